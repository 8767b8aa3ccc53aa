// SPDX-License-Identifier: GPL-3.0-or-later
//
// cognito-peer.mjs: Cognito clients nobody here wrote, against
// keepsake-server's built-in IdP, for tests/test-peer-cognito.c.
//
//   node cognito-peer.mjs sign-up '<config>'
//   node cognito-peer.mjs sign-in '<config>'
//
// <config> is JSON: {endpoint, region, userPoolId, clientId, jwksUrl,
// issuer, username, password, email, code (sign-in only)}.
//
// sign-up: @aws-sdk/client-cognito-identity-provider's SignUp.
// sign-in: the same SDK confirms with the code, signs in with
// USER_PASSWORD_AUTH, refreshes, calls GetUser, and sees a wrong password
// refused; amazon-cognito-identity-js signs in with USER_SRP_AUTH (its
// own SRP) and refreshes its session; jose checks every token against the
// JWKS URL with issuer and audience. Finally GlobalSignOut, after which a
// refresh must fail.
//
// Prints one JSON object with what happened; any unexpected error ends
// the process with a non-zero status and the reason on stderr.

import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import cognito from "amazon-cognito-identity-js";
import { createRemoteJWKSet, jwtVerify } from "jose";

const fail = (message) => {
  process.stderr.write(`cognito-peer.mjs: ${message}\n`);
  process.exit(1);
};

process.on("unhandledRejection", (reason) => fail(`unhandled rejection: ${reason?.stack ?? reason}`));
process.on("uncaughtException", (err) => fail(`uncaught exception: ${err?.stack ?? err}`));

const [mode, configText] = process.argv.slice(2);
if (!mode || !configText)
  fail("usage: cognito-peer.mjs sign-up|sign-in '<config JSON>'");
const config = JSON.parse(configText);

// The SDK signs nothing for these operations, but some versions insist
// on having credentials at hand.
const sdk = new CognitoIdentityProviderClient({
  region: config.region,
  endpoint: config.endpoint,
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "unused" },
  maxAttempts: 1,
});

const expectError = async (promise, name) => {
  try {
    await promise;
  } catch (err) {
    if (err.name !== name)
      fail(`expected ${name}, got ${err.name}: ${err.message}`);
    return err.message;
  }
  fail(`expected ${name}, got success`);
};

async function signUp() {
  const reply = await sdk.send(new SignUpCommand({
    ClientId: config.clientId,
    Username: config.username,
    Password: config.password,
    UserAttributes: [{ Name: "email", Value: config.email }],
  }));
  const duplicate = await expectError(sdk.send(new SignUpCommand({
    ClientId: config.clientId,
    Username: config.username,
    Password: config.password,
    UserAttributes: [{ Name: "email", Value: config.email }],
  })), "UsernameExistsException");

  return {
    userSub: reply.UserSub,
    userConfirmed: reply.UserConfirmed,
    destination: reply.CodeDeliveryDetails?.Destination ?? null,
    duplicate,
  };
}

const passwordAuth = (password) => sdk.send(new InitiateAuthCommand({
  AuthFlow: "USER_PASSWORD_AUTH",
  ClientId: config.clientId,
  AuthParameters: { USERNAME: config.username, PASSWORD: password },
}));

const refreshAuth = (refreshToken) => sdk.send(new InitiateAuthCommand({
  AuthFlow: "REFRESH_TOKEN_AUTH",
  ClientId: config.clientId,
  AuthParameters: { REFRESH_TOKEN: refreshToken },
}));

// amazon-cognito-identity-js: USER_SRP_AUTH with its own SRP, then a
// refresh of the session it got.
function srpSignIn() {
  const pool = new cognito.CognitoUserPool({
    UserPoolId: config.userPoolId,
    ClientId: config.clientId,
    endpoint: config.endpoint,
  });
  const user = new cognito.CognitoUser({ Username: config.username, Pool: pool });
  const details = new cognito.AuthenticationDetails({ Username: config.username, Password: config.password });

  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: (session) => {
        user.refreshSession(session.getRefreshToken(), (err, refreshed) => {
          if (err)
            reject(new Error(`refreshSession: ${err.code}: ${err.message}`));
          else
            resolve({ session, refreshed });
        });
      },
      onFailure: (err) => reject(new Error(`authenticateUser: ${err.code}: ${err.message}`)),
      newPasswordRequired: () => reject(new Error("authenticateUser: unexpected NEW_PASSWORD_REQUIRED")),
    });
  });
}

function srpWrongPassword() {
  const pool = new cognito.CognitoUserPool({
    UserPoolId: config.userPoolId,
    ClientId: config.clientId,
    endpoint: config.endpoint,
  });
  const user = new cognito.CognitoUser({ Username: config.username, Pool: pool });
  const details = new cognito.AuthenticationDetails({ Username: config.username, Password: "Wr0ng-password" });

  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: () => reject(new Error("a wrong password was accepted")),
      onFailure: (err) => resolve(err.code),
    });
  });
}

const jwks = () => createRemoteJWKSet(new URL(config.jwksUrl));

async function verifyTokens(keySet, idToken, accessToken) {
  const id = await jwtVerify(idToken, keySet, {
    issuer: config.issuer,
    audience: config.clientId,
    algorithms: ["RS256"],
  });
  const access = await jwtVerify(accessToken, keySet, { issuer: config.issuer, algorithms: ["RS256"] });

  if (id.payload.token_use !== "id" || access.payload.token_use !== "access")
    fail("token_use is wrong");
  if (access.payload.client_id !== config.clientId)
    fail("access token client_id is wrong");
  return { id: id.payload, access: access.payload, kid: id.protectedHeader.kid };
}

// A token from somebody else's key must not pass.
async function rejectsForeignIssuer(keySet, idToken) {
  try {
    await jwtVerify(idToken, keySet, { issuer: `${config.issuer}-other` });
  } catch (err) {
    return err.code;
  }
  fail("jose accepted a token for another issuer");
}

async function signIn() {
  await sdk.send(new ConfirmSignUpCommand({
    ClientId: config.clientId,
    Username: config.username,
    ConfirmationCode: config.code,
  }));

  const password = await passwordAuth(config.password);
  const result = password.AuthenticationResult;
  const refreshed = await refreshAuth(result.RefreshToken);
  const me = await sdk.send(new GetUserCommand({ AccessToken: result.AccessToken }));
  const wrongPassword = await expectError(passwordAuth("Wr0ng-password"), "NotAuthorizedException");
  const srpWrong = await srpWrongPassword();
  const srp = await srpSignIn();

  const keySet = jwks();
  const passwordClaims = await verifyTokens(keySet, result.IdToken, result.AccessToken);
  const refreshedClaims = await verifyTokens(keySet, refreshed.AuthenticationResult.IdToken,
                                             refreshed.AuthenticationResult.AccessToken);
  const srpClaims = await verifyTokens(keySet, srp.session.getIdToken().getJwtToken(),
                                       srp.session.getAccessToken().getJwtToken());
  const srpRefreshedClaims = await verifyTokens(keySet, srp.refreshed.getIdToken().getJwtToken(),
                                                srp.refreshed.getAccessToken().getJwtToken());
  const foreign = await rejectsForeignIssuer(keySet, result.IdToken);

  await sdk.send(new GlobalSignOutCommand({ AccessToken: result.AccessToken }));
  const afterSignOut = await expectError(refreshAuth(result.RefreshToken), "NotAuthorizedException");

  return {
    password: {
      tokenType: result.TokenType,
      expiresIn: result.ExpiresIn,
      hasRefreshToken: typeof result.RefreshToken === "string",
      claims: passwordClaims,
    },
    refreshed: { claims: refreshedClaims, hasRefreshToken: "RefreshToken" in refreshed.AuthenticationResult },
    getUser: {
      username: me.Username,
      attributes: Object.fromEntries(me.UserAttributes.map((a) => [a.Name, a.Value])),
    },
    wrongPassword,
    srpWrong,
    srp: { claims: srpClaims, refreshedClaims: srpRefreshedClaims },
    foreign,
    afterSignOut,
  };
}

const run = mode === "sign-up" ? signUp : mode === "sign-in" ? signIn : null;
if (!run)
  fail(`unknown mode ${mode}`);
process.stdout.write(JSON.stringify(await run()) + "\n");
