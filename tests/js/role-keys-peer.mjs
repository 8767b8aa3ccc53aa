// SPDX-License-Identifier: GPL-3.0-or-later
//
// role-keys-peer.mjs: AWS's own credential providers, against the
// stand-ins of tests/test-fake-role.h, for tests/test-peer-role-keys.c.
//
//   node role-keys-peer.mjs container   (AWS_CONTAINER_CREDENTIALS_FULL_URI,
//                                         AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)
//   node role-keys-peer.mjs instance    (AWS_EC2_METADATA_SERVICE_ENDPOINT)
//
// container: @aws-sdk/credential-provider-http's fromHttp, as the SDK's
// default chain uses it on Amazon ECS and EKS Pod Identity.
// instance: @smithy/credential-provider-imds's fromInstanceMetadata with
// IMDSv1 turned off, as on an EC2 instance that requires IMDSv2.
//
// Prints the keys as one JSON object {accessKeyId, secretAccessKey,
// sessionToken, expiration}; a failure ends the process with a non-zero
// status and the reason on stderr.

import { fromHttp } from "@aws-sdk/credential-provider-http";
import { fromInstanceMetadata } from "@smithy/credential-provider-imds";

const fail = (message) => {
  process.stderr.write(`role-keys-peer.mjs: ${message}\n`);
  process.exit(1);
};

process.on("unhandledRejection", (reason) => fail(`unhandled rejection: ${reason?.stack ?? reason}`));
process.on("uncaughtException", (err) => fail(`uncaught exception: ${err?.stack ?? err}${err?.code ? ` (${err.code})` : ""}`));

const [mode] = process.argv.slice(2);
let provider;
if (mode === "container")
  provider = fromHttp({ timeout: 5000, maxRetries: 0 });
else if (mode === "instance")
  provider = fromInstanceMetadata({ timeout: 5000, maxRetries: 0, ec2MetadataV1Disabled: true });
else
  fail("usage: role-keys-peer.mjs container|instance");

const keys = await provider();
process.stdout.write(JSON.stringify({
  accessKeyId: keys.accessKeyId,
  secretAccessKey: keys.secretAccessKey,
  sessionToken: keys.sessionToken ?? null,
  expiration: keys.expiration ? keys.expiration.toISOString() : null,
}) + "\n");
