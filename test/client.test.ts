/** The typed client in client/ against the Worker: token, bookmark echo, typed errors, Link pagination. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createClient, nextPageUrl } from "../client";
import { makeCourse, makeMaterial, makeStep, token, uniqueName } from "./helpers";

const viaWorker: typeof fetch = (input, init) => exports.default.fetch(new Request(input as RequestInfo, init));

describe("client/", () => {
  it("sends the token, sends back the last bookmark, types errors, and walks every page", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const made = [await makeCourse(manager), await makeCourse(manager), await makeCourse(manager)];
    const seen: (string | null)[] = [];
    const api = createClient({
      baseUrl: "http://api.test",
      token: () => manager,
      fetch: (input, init) => {
        seen.push(new Request(input as RequestInfo, init).headers.get("x-d1-bookmark"));
        return viaWorker(input, init);
      },
    });
    const one = await api.GET("/courses/{course_id}", { params: { path: { course_id: made[0]!.id } } });
    expect(one.data?.name).toBe(made[0]!.name);
    expect(api.bookmark()).toBeTruthy();
    const missing = await api.GET("/courses/{course_id}", { params: { path: { course_id: "507f1f77bcf86cd799439099" } } });
    expect(missing.error?.code).toBe("course_not_found");
    expect(seen[1]).toBeTruthy();

    const ids: string[] = [];
    for await (const page of api.pages("/courses", { limit: 1 })) ids.push(...page.map((c) => c.id));
    for (const course of made) expect(ids).toContain(course.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("reads a report as typed JSON and, with parseAs text, as the CSV the same operation declares", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager);
    const pid = uniqueName("participant");
    await viaWorker(`http://api.test/courses/${course.id}/enroll?participant_id=${pid}`, {
      method: "POST",
      headers: { authorization: `Bearer ${manager}` },
    });
    const api = createClient({ baseUrl: "http://api.test", token: manager, fetch: viaWorker });
    const json = await api.GET("/courses/{course_id}/gradebook", { params: { path: { course_id: course.id } } });
    // The operation declares JSON and CSV: the body type is their union until the caller narrows it.
    const row = Array.isArray(json.data) ? json.data[0] : undefined;
    expect(row?.participant_id).toBe(pid);
    expect(row?.exams).toEqual([]);
    const csv = await api.GET("/courses/{course_id}/gradebook", {
      params: { path: { course_id: course.id }, query: { format: "csv" } },
      parseAs: "text",
    });
    expect(csv.response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.data?.split("\r\n")[1]?.startsWith(`${pid},`)).toBe(true);
  });

  it("certificates: the participant's list with their token, the public certificate without one", async () => {
    const manager = await token(uniqueName("manager"), "manager");
    const course = await makeCourse(manager, { certificate: { enabled: true } });
    const step = await makeStep(manager, course.id);
    const video = await makeMaterial(manager, step.id);
    const pid = uniqueName("participant");
    const participant = await token(pid, "participant", { name: "Ana Gómez" });
    await viaWorker(`http://api.test/courses/${course.id}/enroll?participant_id=${pid}`, {
      method: "POST",
      headers: { authorization: `Bearer ${manager}` },
    });
    await viaWorker(`http://api.test/materials/${video.id}/complete`, {
      method: "POST",
      headers: { authorization: `Bearer ${participant}` },
    });
    const mine = await createClient({ baseUrl: "http://api.test", token: participant, fetch: viaWorker }).GET(
      "/participants/me/certificates",
    );
    const id = mine.data?.[0]?.id as string;
    expect(mine.data?.[0]?.course_id).toBe(course.id);
    const anyone = createClient({ baseUrl: "http://api.test", fetch: viaWorker });
    const shown = await anyone.GET("/certificates/{certificate_id}", { params: { path: { certificate_id: id } } });
    // JSON, HTML and the bare JWT are declared: the body is their union until the caller narrows it.
    const certificate = typeof shown.data === "object" ? shown.data : undefined;
    expect(certificate?.recipient_name).toBe("Ana Gómez");
    expect(certificate?.credential.jwt.split(".")).toHaveLength(3);
    const keys = await anyone.GET("/.well-known/jwks.json");
    expect(keys.data?.keys.length).toBeGreaterThan(0);
  });

  it("reads the next page from a Link header", () => {
    expect(nextPageUrl('<http://a/courses?limit=1&cursor=x>; rel="next"')).toBe("http://a/courses?limit=1&cursor=x");
    expect(nextPageUrl(null)).toBeNull();
    expect(nextPageUrl('<http://a/x>; rel="prev"')).toBeNull();
  });
});
