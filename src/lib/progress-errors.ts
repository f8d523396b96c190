import { ApiError, notFound } from "./errors";

/** The HTTP answer to a progress refusal (see progress `stepRefusal`). */
export function progressError(refusal: "not_enrolled" | "step_not_found" | "step_locked", stepId: string): ApiError {
  switch (refusal) {
    case "not_enrolled":
      return new ApiError(409, "not_enrolled", "Enrol in this course first");
    case "step_not_found":
      return notFound("Step", stepId);
    case "step_locked":
      return new ApiError(409, "step_locked", "This step is locked until the step before it is completed");
  }
}
