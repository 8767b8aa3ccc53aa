// SPDX-License-Identifier: GPL-3.0-or-later
//
// presign.mjs: the AWS SDK for JavaScript v3 S3 presigner as a reference for
// tests/test-sigv4-differential.c.
//
// Reads JSON lines from stdin, one case each:
//   {id, method, endpoint: "scheme://host[:port]", key: decoded UTF-8 path
//    without the leading "/", query: [[name, value], ...], accessKeyId,
//    secret, sessionToken | null, region, date: ISO 8601, expires}
// and writes one JSON line {id, url} per case, in order. Any error ends the
// process with a non-zero status: a half-answered batch must never pass.
//
// What getSignedUrl() in @aws-sdk/s3-request-presigner does, minus the
// S3Client: the path is built the way the S3 serializer builds "{Key+}"
// (each segment extendedEncodeURIComponent'd, '/' kept), and
// S3RequestPresigner signs it as is (uriEscapePath: false, so no
// normalisation and no second encoding) with UNSIGNED-PAYLOAD.

import { createInterface } from "node:readline";
import { formatUrl } from "@aws-sdk/core/util";
import { S3RequestPresigner } from "@aws-sdk/s3-request-presigner";
import { HttpRequest, extendedEncodeURIComponent } from "@smithy/core/protocols";
import { Hash } from "@smithy/hash-node";

const fail = (message) => {
  process.stderr.write(`presign.mjs: ${message}\n`);
  process.exit(1);
};

process.on("unhandledRejection", (reason) => fail(`unhandled rejection: ${reason?.stack ?? reason}`));
process.on("uncaughtException", (err) => fail(`uncaught exception: ${err?.stack ?? err}`));

const requireString = (c, field, { nullable = false } = {}) => {
  const v = c[field];
  if (nullable && v === null)
    return;
  if (typeof v !== "string")
    throw new Error(`case ${c.id}: "${field}" must be a string${nullable ? " or null" : ""}`);
};

const validate = (c) => {
  if (typeof c !== "object" || c === null || Array.isArray(c))
    throw new Error("a case must be a JSON object");
  if (c.id === undefined)
    throw new Error("a case has no id");
  for (const f of ["method", "endpoint", "key", "accessKeyId", "secret", "region", "date"])
    requireString(c, f);
  requireString(c, "sessionToken", { nullable: true });
  if (!Number.isInteger(c.expires))
    throw new Error(`case ${c.id}: "expires" must be an integer`);
  if (!Array.isArray(c.query) ||
      !c.query.every((p) => Array.isArray(p) && p.length === 2 &&
                            typeof p[0] === "string" && typeof p[1] === "string"))
    throw new Error(`case ${c.id}: "query" must be a list of [name, value] strings`);
  if (Number.isNaN(new Date(c.date).getTime()))
    throw new Error(`case ${c.id}: bad date ${JSON.stringify(c.date)}`);
};

// Repeated names become arrays, as the SDK's QueryParameterBag has them.
const toQueryBag = (pairs) => {
  const bag = {};
  for (const [name, value] of pairs) {
    if (!Object.hasOwn(bag, name))
      bag[name] = value;
    else if (Array.isArray(bag[name]))
      bag[name].push(value);
    else
      bag[name] = [bag[name], value];
  }
  return bag;
};

const presign = async (c) => {
  validate(c);
  const endpoint = new URL(c.endpoint);
  if (endpoint.pathname !== "/" || endpoint.search || endpoint.hash)
    throw new Error(`case ${c.id}: endpoint must be scheme://host[:port], got ${c.endpoint}`);

  const request = new HttpRequest({
    method: c.method,
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    // URL drops default ports, as our signer does for the host header.
    port: endpoint.port === "" ? undefined : Number(endpoint.port),
    path: "/" + c.key.split("/").map(extendedEncodeURIComponent).join("/"),
    query: toQueryBag(c.query),
    headers: {},
  });

  const presigner = new S3RequestPresigner({
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secret,
      ...(c.sessionToken !== null ? { sessionToken: c.sessionToken } : {}),
    },
    region: c.region,
    sha256: Hash.bind(null, "sha256"),
  });

  const signed = await presigner.presign(request, {
    signingDate: new Date(c.date),
    expiresIn: c.expires,
  });
  return formatUrl(signed);
};

const main = async () => {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let lineno = 0;

  for await (const line of lines) {
    lineno++;
    if (line.trim() === "")
      continue;

    let c;
    try {
      c = JSON.parse(line);
    } catch (err) {
      fail(`line ${lineno}: not JSON: ${err.message}`);
    }

    let url;
    try {
      url = await presign(c);
    } catch (err) {
      // The signer rejects with plain strings, not Errors.
      fail(`line ${lineno}: ${err?.stack ?? err}`);
    }
    process.stdout.write(JSON.stringify({ id: c.id, url }) + "\n");
  }
};

await main();
