import { afterEach, describe, expect, it } from "vitest";
import { setJwksFetcher } from "../src/lib/jwks";
import { base64UrlEncode, JwtError, verifyJwt } from "../src/lib/jwt";
import { signJwt } from "./sign-jwt";

afterEach(() => setJwksFetcher(null));

const URL = "https://idp.example/.well-known/jwks.json";
const now = new Date();
const claims = () => ({ sub: "idp-user", role: "participant", exp: Math.floor(now.getTime() / 1000) + 600 });

async function keyPair(alg: "RS256" | "ES256", kid: string) {
  const params =
    alg === "RS256"
      ? { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
      : { name: "ECDSA", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = { ...((await crypto.subtle.exportKey("jwk", pair.publicKey)) as JsonWebKey), kid, alg };
  const sign = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const head = base64UrlEncode(JSON.stringify({ alg, kid, typ: "JWT", ...header }));
    const body = base64UrlEncode(JSON.stringify(payload));
    const sig = await crypto.subtle.sign(
      alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" },
      pair.privateKey,
      new TextEncoder().encode(`${head}.${body}`),
    );
    return `${head}.${body}.${base64UrlEncode(new Uint8Array(sig))}`;
  };
  return { jwk, sign };
}

const options = { secret: "unused-with-jwks", jwksUrl: URL, now };

describe("JWKS verification (JWT_JWKS_URL)", () => {
  it.each(["RS256", "ES256"] as const)("accepts a %s token signed by a key of the set", async (alg) => {
    const key = await keyPair(alg, "k1");
    let fetched = 0;
    setJwksFetcher(async (url) => (fetched++, expect(url).toBe(URL), { keys: [key.jwk] }));
    expect(await verifyJwt(await key.sign(claims()), options)).toEqual({ id: "idp-user", role: "participant" });
    await verifyJwt(await key.sign(claims()), options);
    expect(fetched).toBe(1); // cached
  });

  it("refuses HS256 (even with the right secret), alg none, an unknown key, a tampered token", async () => {
    const key = await keyPair("RS256", "k1");
    const stranger = await keyPair("RS256", "k2");
    setJwksFetcher(async () => ({ keys: [key.jwk] }));
    await expect(verifyJwt(await signJwt(claims(), options.secret), options)).rejects.toThrow(JwtError);
    await expect(verifyJwt(await key.sign(claims(), { alg: "none" }), options)).rejects.toThrow(/algorithm/);
    await expect(verifyJwt(await stranger.sign(claims()), options)).rejects.toThrow(/signature/);
    const good = await key.sign(claims());
    const [h, , s] = good.split(".");
    const forged = `${h}.${base64UrlEncode(JSON.stringify({ ...claims(), role: "manager" }))}.${s}`;
    await expect(verifyJwt(forged, options)).rejects.toThrow(/signature/);
  });

  it("refetches for a rotated key id, but at most every 30 s", async () => {
    const old = await keyPair("ES256", "old");
    const rotated = await keyPair("ES256", "new");
    let set = [old.jwk];
    let fetched = 0;
    setJwksFetcher(async () => (fetched++, { keys: set }));
    const t0 = new Date(now.getTime());
    await verifyJwt(await old.sign(claims()), { ...options, now: t0 });
    set = [old.jwk, rotated.jwk];
    // random kids right away: no refetch storm
    for (let i = 0; i < 5; i++)
      await expect(verifyJwt(await (await keyPair("ES256", `x${i}`)).sign(claims()), { ...options, now: t0 })).rejects.toThrow(JwtError);
    expect(fetched).toBe(1);
    const later = new Date(t0.getTime() + 31_000);
    expect(await verifyJwt(await rotated.sign(claims()), { ...options, now: later })).toMatchObject({ id: "idp-user" });
    expect(fetched).toBe(2);
  });

  it("still requires exp and a role with a key-set token", async () => {
    const key = await keyPair("RS256", "k1");
    setJwksFetcher(async () => ({ keys: [key.jwk] }));
    await expect(verifyJwt(await key.sign({ sub: "x", role: "participant" }), options)).rejects.toThrow(/exp/);
    await expect(verifyJwt(await key.sign({ ...claims(), role: "admin" }), options)).rejects.toThrow(/role/);
  });
});
