/**
 * The presigned PUT URLs of the AWS rescue and the bounded reads of the shipped files: the real
 * presigner (no network: presigning is local) with the client setting that keeps a checksum of an
 * empty body out of the URL, and the simulated S3 answering as S3 documents it.
 */
import { S3Client, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  presignedUploadUrls,
  PRESIGN_MAX_SECONDS,
  s3Location,
  s3Store,
  sdkPresigner,
} from "./s3Files";
import { emptyState, memoryStore, simulatedContext } from "./simulated";
import { putPresigned, simulatedPresignedUrl } from "./simulatedServices";

const settings = {
  region: "eu-west-1",
  credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" }),
};

test("a presigned PUT URL signs only the host: no checksum of an empty body, no SDK checksum algorithm", async () => {
  const url = new URL(await sdkPresigner(settings)("vmr-b", "rescue/inc-1/collect/SYSTEM", 3600));
  expect(url.host).toBe("vmr-b.s3.eu-west-1.amazonaws.com");
  expect(url.pathname).toBe("/rescue/inc-1/collect/SYSTEM");
  const names = [...url.searchParams.keys()].map((k) => k.toLowerCase());
  expect(
    names.filter((k) => k.startsWith("x-amz-checksum") || k === "x-amz-sdk-checksum-algorithm"),
  ).toEqual([]);
  expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
  expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
});

test("the SDK's default presigner would sign a CRC32 of an empty body (why the setting is needed)", async () => {
  const client = new S3Client(settings);
  const url = new URL(
    await getSignedUrl(client, new PutObjectCommand({ Bucket: "vmr-b", Key: "k" }), {
      expiresIn: 60,
    }),
  );
  expect(url.searchParams.get("x-amz-checksum-crc32")).toBe("AAAAAA==");
});

test("upload URLs: one per name under stage/ of the files location, valid the command's timeout and an hour", async () => {
  const calls: [string, string, number][] = [];
  const json = await presignedUploadUrls(
    async (b, k, e) => (calls.push([b, k, e]), `https://${b}.s3.eu-west-1.amazonaws.com/${k}?sig`),
    { filesBase: "s3://vmr-b/rescue/inc-1/", stage: "repaired", names: ["SYSTEM", "BCD"] },
    1800,
  );
  expect(calls).toEqual([
    ["vmr-b", "rescue/inc-1/repaired/SYSTEM", 5400],
    ["vmr-b", "rescue/inc-1/repaired/BCD", 5400],
  ]);
  expect(Object.keys(JSON.parse(json))).toEqual(["SYSTEM", "BCD"]);
  const long = await presignedUploadUrls(
    async (_b, _k, e) => String(e),
    {
      filesBase: "s3://vmr-b/p",
      stage: "collect",
      names: ["SYSTEM"],
    },
    10 * PRESIGN_MAX_SECONDS,
  );
  expect(JSON.parse(long)).toEqual({ SYSTEM: String(PRESIGN_MAX_SECONDS) });
  await expect(
    presignedUploadUrls(
      undefined,
      { filesBase: "s3://vmr-b/p", stage: "collect", names: ["X"] },
      60,
    ),
  ).rejects.toThrow(/cannot presign/);
  expect(() => s3Location("https://vmr-b/x")).toThrow(/not an s3:\/\/ location/);
});

describe("the simulated S3", () => {
  const world = () => emptyState("eu-west-1");

  test("takes a plain PUT of a presigned URL, refuses a bad signature, an expired URL and a signed empty-body checksum", () => {
    const s = world();
    const url = simulatedPresignedUrl(s, "vmr-b", "rescue/collect/SYSTEM", 60);
    putPresigned(s, url, Buffer.from("regf"));
    expect(Buffer.from(s.objectBytes!["vmr-b/rescue/collect/SYSTEM"], "base64").toString()).toBe(
      "regf",
    );
    expect(() =>
      putPresigned(s, url.replace(/Signature=[0-9a-f]+/, "Signature=bad"), Buffer.from("x")),
    ).toThrow(expect.objectContaining({ name: "SignatureDoesNotMatch" }));
    expect(() =>
      putPresigned(s, `${url}&x-amz-checksum-crc32=AAAAAA%3D%3D`, Buffer.from("x")),
    ).toThrow(expect.objectContaining({ name: "BadDigest" }));
    s.clock += 61_000;
    expect(() => putPresigned(s, url, Buffer.from("x"))).toThrow(
      expect.objectContaining({ name: "AccessDenied" }),
    );
  });

  test("reads a file bounded by its size with a range, null when absent; a folder's text is the command's stdout", async () => {
    const s = world();
    s.objectBytes = { "vmr-b/p/collect/SYSTEM": Buffer.from("0123456789").toString("base64") };
    s.objects["vmr-b/p/c1/i-1/awsrunPowerShellScript/0.awsrunPowerShellScript/stdout"] = '{"a":1}';
    const store = s3Store(simulatedContext(memoryStore(s)).s3);
    expect(
      Buffer.from((await store.readBlobBytes("s3://vmr-b/p/collect/SYSTEM", 4))!).toString(),
    ).toBe("0123");
    expect(
      Buffer.from((await store.readBlobBytes("s3://vmr-b/p/collect/SYSTEM", 99))!).toString(),
    ).toBe("0123456789");
    expect(await store.readBlobBytes("s3://vmr-b/p/collect/BCD", 10)).toBeNull();
    expect(await store.readBlob("s3://vmr-b/p/c1/i-1/")).toBe('{"a":1}');
    await expect(store.readBlob("s3://vmr-b/p/c2/i-1/")).rejects.toThrow(/no command output/);
  });
});
