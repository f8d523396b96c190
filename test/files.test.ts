import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../src/lib/clock";
import { call, makeCourse, makeMaterial, makeStep, token, uniqueName } from "./helpers";

afterEach(() => setClock(null));

const pdf = (size: number) => {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
  for (let i = 9; i < size; i++) bytes[i] = (i * 31) % 251;
  return bytes;
};

async function upload(manager: string, materialId: string, bytes: Uint8Array, type: string, headers: Record<string, string> = {}) {
  return call("PUT", `/materials/${materialId}/file`, {
    token: manager,
    rawBody: bytes,
    headers: { "content-type": type, "content-length": String(bytes.byteLength), ...headers },
  });
}

async function documentMaterial() {
  const manager = await token(uniqueName("manager"), "manager");
  const course = await makeCourse(manager);
  const step = await makeStep(manager, course.id);
  const material = await makeMaterial(manager, step.id, { material_type: "Document", content: { url: "https://example.com/ext.pdf" } });
  return { manager, course, step, material };
}

describe("material files", () => {
  it("uploads a PDF and reads it back byte for byte", async () => {
    const { manager, material } = await documentMaterial();
    const bytes = pdf(10_000);
    const res = await upload(manager, material.id, bytes, "application/pdf");
    expect(res.status).toBe(200);
    expect(res.json.content.url).toBe(`http://api.test/materials/${material.id}/file`);
    expect(res.json.content.file).toMatchObject({ size: 10_000, content_type: "application/pdf" });
    const digest = await crypto.subtle.digest("SHA-256", bytes);
    expect(res.json.content.file.sha256).toBe([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""));
    const down = await env.FILES.list({ prefix: `materials/${material.id}/` });
    expect(down.objects).toHaveLength(1);
  });
});
