/**
 * Requirement tracking: a participant fills the rows of a manager's table, submits it, and a manager
 * approves row by row. Pure: merges the table's current requirements with the stored rows.
 *
 * - Rows are keyed by serial number. When a manager edits the table, stored rows keep their data, new
 *   serials appear not completed, and removed serials stay stored but no longer count.
 * - A row a manager approved cannot be edited (its approval would silently cover new data); a rejected row
 *   is edited, goes back to unreviewed, and the table is resubmitted.
 * - The table is approved (and its RequirementTable material complete) when every current row is approved.
 */
export type Requirement = { serial_number: number; activity: string; target: number; unit: string };
export type StoredRow = {
  serial_number: number;
  completed: boolean;
  completed_value: number | null;
  remarks: string | null;
  completed_at: string | null;
  approved: boolean | null;
  approved_by: string | null;
  approved_at: string | null;
  approval_remarks: string | null;
};

export type RowStatus = Requirement & Omit<StoredRow, "serial_number" | "approved"> & { approved: boolean };

export function rowStatuses(requirements: readonly Requirement[], stored: readonly StoredRow[]): RowStatus[] {
  const bySerial = new Map(stored.map((r) => [r.serial_number, r]));
  return [...requirements]
    .sort((a, b) => a.serial_number - b.serial_number)
    .map((req) => {
      const row = bySerial.get(req.serial_number);
      return {
        ...req,
        completed: row?.completed ?? false,
        completed_value: row?.completed_value ?? null,
        remarks: row?.remarks ?? null,
        completed_at: row?.completed_at ?? null,
        approved: row?.approved === true,
        approved_by: row?.approved_by ?? null,
        approved_at: row?.approved_at ?? null,
        approval_remarks: row?.approval_remarks ?? null,
      };
    });
}

export function missingSerials(requirements: readonly Requirement[], stored: readonly StoredRow[]): number[] {
  const done = new Set(stored.filter((r) => r.completed).map((r) => r.serial_number));
  return requirements
    .map((r) => r.serial_number)
    .filter((s) => !done.has(s))
    .sort((a, b) => a - b);
}

/** What the counts need of a stored row. */
export type CountedRow = Pick<StoredRow, "serial_number" | "completed" | "approved">;

export function tableCounts(requirements: readonly Pick<Requirement, "serial_number">[], stored: readonly CountedRow[]) {
  const current = new Set(requirements.map((r) => r.serial_number));
  const counted = stored.filter((r) => current.has(r.serial_number));
  return {
    completed: counted.filter((r) => r.completed).length,
    approved: counted.filter((r) => r.approved === true).length,
    total: requirements.length,
  };
}

export const isTableCompleted = (requirements: readonly Requirement[], stored: readonly StoredRow[]) =>
  missingSerials(requirements, stored).length === 0;

export function allApproved(requirements: readonly Pick<Requirement, "serial_number">[], stored: readonly CountedRow[]): boolean {
  const counts = tableCounts(requirements, stored);
  return counts.total > 0 && counts.approved === counts.total;
}

export type RowEditRefusal = "unknown_serial" | "row_approved";

export function canEditRow(requirements: readonly Requirement[], stored: readonly StoredRow[], serial: number): RowEditRefusal | null {
  if (!requirements.some((r) => r.serial_number === serial)) return "unknown_serial";
  if (stored.find((r) => r.serial_number === serial)?.approved === true) return "row_approved";
  return null;
}

export type RowReviewRefusal = "unknown_serial" | "not_submitted" | "row_not_completed";

export function canReviewRow(
  requirements: readonly Requirement[],
  stored: readonly StoredRow[],
  submitted: boolean,
  serial: number,
): RowReviewRefusal | null {
  if (!requirements.some((r) => r.serial_number === serial)) return "unknown_serial";
  if (!submitted) return "not_submitted";
  if (!stored.find((r) => r.serial_number === serial)?.completed) return "row_not_completed";
  return null;
}

/**
 * The approved serials before and after an approve-all: it approves the completed, unapproved rows of the
 * table's current serials; rows of serials removed from the table are history and stay as they are.
 */
export function approveAllSerials(requirements: readonly Pick<Requirement, "serial_number">[], stored: readonly CountedRow[]) {
  const current = new Set(requirements.map((r) => r.serial_number));
  const before = stored.filter((r) => r.approved === true).map((r) => r.serial_number);
  const approving = stored.filter((r) => r.approved !== true && r.completed && current.has(r.serial_number)).map((r) => r.serial_number);
  return { before, after: [...before, ...approving].sort((a, b) => a - b) };
}
