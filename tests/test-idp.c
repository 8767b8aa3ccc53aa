/* test-idp.c: the built-in IdP's sign-up, codes, forgotten passwords and
 * its answers to malformed requests, over HTTP against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "ks-test-util.h"
#include "test-idp-common.h"

/* One server for the whole program; tests use names of their own. */
static IdpServer *server;

static char *
sign_up_body (const char *username,
              const char *password,
              const char *attributes)
{
  return g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"%s\",\"Password\":\"%s\","
                          "\"UserAttributes\":%s}",
                          server->client_id, username, password, attributes);
}

static char *
username_body (const char *username)
{
  return g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"%s\"}", server->client_id, username);
}

static char *
confirm_body (const char *username,
              const char *code)
{
  return g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"%s\",\"ConfirmationCode\":\"%s\"}",
                          server->client_id, username, code);
}

static void
assert_delivery (JsonObject *reply,
                 const char *destination)
{
  JsonObject *details = json_object_get_object_member (reply, "CodeDeliveryDetails");

  g_assert_nonnull (details);
  g_assert_cmpstr (json_object_get_string_member (details, "Destination"), ==, destination);
  g_assert_cmpstr (json_object_get_string_member (details, "DeliveryMedium"), ==, "EMAIL");
  g_assert_cmpstr (json_object_get_string_member (details, "AttributeName"), ==, "email");
}

static void
assert_signs_in (IdpServer  *idp,
                 const char *username,
                 const char *password)
{
  guint status = 0;
  g_autoptr (JsonObject) reply = idp_password_auth (idp, username, password, &status);

  g_assert_cmpuint (status, ==, 200);
  idp_result (reply);
}

static void
assert_refused (IdpServer  *idp,
                const char *username,
                const char *password,
                const char *type)
{
  guint status = 0;
  g_autoptr (JsonObject) reply = idp_password_auth (idp, username, password, &status);

  idp_assert_error (reply, status, type);
}

/* ---- SignUp ---- */

static void
test_sign_up (void)
{
  g_autofree char *body = sign_up_body ("signup-ok", IDP_PASSWORD,
                                        "[{\"Name\":\"email\",\"Value\":\"ok@example.org\"}]");
  g_autoptr (JsonObject) reply = idp_call_ok (server, "SignUp", body);
  g_autofree char *code = idp_read_code (server, "confirm", "signup-ok");
  g_autofree char *path = ks_test_server_dup_data_path (server->server, "confirmation-codes/signup-ok");
  g_autofree char *log = NULL;
  struct stat      st;

  g_assert_false (json_object_get_boolean_member (reply, "UserConfirmed"));
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (reply, "UserSub")));
  assert_delivery (reply, "o***@e***");

  /* The code is in a file only the server's owner reads, and in the log;
   * the password is nowhere. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (ks_test_server_wait_for_log (server->server, code, 5000));
  log = ks_test_server_dup_log (server->server);
  g_assert_null (strstr (log, IDP_PASSWORD));

  assert_refused (server, "signup-ok", IDP_PASSWORD, "UserNotConfirmedException");
  assert_refused (server, "signup-ok", "Wr0ng-password", "NotAuthorizedException");
}

static void
test_sign_up_password_policy (void)
{
  const struct
  {
    const char *password;
    const char *why;
  } cases[] = {
    { "Sh0rt!", "not long enough" },
    { "n0-upper-case", "uppercase" },
    { "N0-LOWER-CASE", "lowercase" },
    { "No-Digits-Here", "numeric" },
    { "N0Symbols1nHere", "symbol" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = sign_up_body ("policy", cases[i].password,
                                            "[{\"Name\":\"email\",\"Value\":\"p@example.org\"}]");
      guint            status = 0;
      g_autoptr (JsonObject) reply = idp_call (server, "SignUp", body, &status);

      idp_assert_error (reply, status, "InvalidPasswordException");
      g_assert_nonnull (strstr (json_object_get_string_member (reply, "message"), cases[i].why));
    }

  /* Nothing was created along the way. */
  g_free (idp_sign_up (server, "policy", "Ok-passw0rd"));
}

static void
test_sign_up_duplicate (void)
{
  g_autofree char *sub = idp_sign_up (server, "Duplicate", IDP_PASSWORD);
  g_autofree char *same = sign_up_body ("Duplicate", IDP_PASSWORD, "[{\"Name\":\"email\",\"Value\":\"d@e.f\"}]");
  g_autofree char *folded = sign_up_body ("dUPLICATE", IDP_PASSWORD, "[{\"Name\":\"email\",\"Value\":\"d@e.f\"}]");

  idp_call_fails (server, "SignUp", same, "UsernameExistsException");
  /* Usernames are case-insensitive, as in a default Cognito pool. */
  idp_call_fails (server, "SignUp", folded, "UsernameExistsException");
}

static void
test_sign_up_attributes (void)
{
  const char *const bad[] = {
    "[]",
    "[{\"Name\":\"email\"}]",
    "[{\"Name\":\"email\",\"Value\":\"not-an-address\"}]",
    "[{\"Name\":\"email\",\"Value\":\"two@at@signs\"}]",
    "[{\"Name\":\"email\",\"Value\":\"a@b\"},{\"Name\":\"custom:x\",\"Value\":\"1\"}]",
    "[{\"Name\":\"email\",\"Value\":\"a@b\",\"Extra\":1}]",
    "[\"email\"]",
    "{\"email\":\"a@b\"}",
    "\"a@b\"",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *body = sign_up_body ("attributes", IDP_PASSWORD, bad[i]);

      idp_call_fails (server, "SignUp", body, "InvalidParameterException");
    }
}

static void
test_sign_up_usernames (void)
{
  const char *const bad[] = { "", "has space", "tab\\there", "new\\nline", "nul\\u0001" };
  g_autofree char  *long_name = g_strnfill (129, 'x');
  g_autofree char  *body = NULL;
  g_autofree char  *outside = NULL;
  g_autofree char  *inside = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *b = sign_up_body (bad[i], IDP_PASSWORD, "[{\"Name\":\"email\",\"Value\":\"a@b\"}]");

      idp_call_fails (server, "SignUp", b, "InvalidParameterException");
    }
  body = sign_up_body (long_name, IDP_PASSWORD, "[{\"Name\":\"email\",\"Value\":\"a@b\"}]");
  idp_call_fails (server, "SignUp", body, "InvalidParameterException");

  /* Punctuation and other scripts are fine; the code file name is
   * escaped, so even "../" stays in its directory. */
  g_free (idp_sign_up (server, "ünïcødé.name+tag", IDP_PASSWORD));
  g_free (idp_sign_up (server, "..", IDP_PASSWORD));
  g_free (idp_sign_up (server, "../escape", IDP_PASSWORD));
  outside = ks_test_server_dup_data_path (server->server, "escape");
  inside = ks_test_server_dup_data_path (server->server, "confirmation-codes/%2E.%2Fescape");
  g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (inside, G_FILE_TEST_IS_REGULAR));
}

/* Such a pool sends nothing at sign-up, so it does not require an address
 * (the app's server for "This Computer"); a forgotten password's code
 * then goes to the file only. */
static void
sign_up_without_email (IdpServer *auto_server)
{
  g_autofree char *body = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"no-mail\","
                                           "\"Password\":\"%s\"}",
                                           auto_server->client_id, IDP_PASSWORD);
  g_autofree char *refused = sign_up_body ("no-mail", IDP_PASSWORD, "[]");
  g_autoptr (JsonObject) reply = idp_call_ok (auto_server, "SignUp", body);
  g_autofree char *forgot = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"no-mail\"}",
                                             auto_server->client_id);
  g_autoptr (JsonObject) sent = NULL;
  g_autoptr (JsonObject) session = NULL;
  g_autoptr (JsonObject) user = NULL;
  g_autofree char *code = NULL;
  g_autofree char *reset = NULL;
  JsonArray       *attributes;
  guint            status = 0;

  /* The usual pool still wants one. */
  idp_call_fails (server, "SignUp", refused, "InvalidParameterException");

  g_assert_true (json_object_get_boolean_member (reply, "UserConfirmed"));
  session = idp_password_auth (auto_server, "no-mail", IDP_PASSWORD, &status);
  g_assert_cmpuint (status, ==, 200);
  user = idp_with_token (auto_server, "GetUser",
                         json_object_get_string_member (idp_result (session), "AccessToken"), &status);
  g_assert_cmpuint (status, ==, 200);
  attributes = json_object_get_array_member (user, "UserAttributes");
  g_assert_cmpuint (json_array_get_length (attributes), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (attributes, 0), "Name"), ==,
                   "sub");

  sent = idp_call_ok (auto_server, "ForgotPassword", forgot);
  g_assert_false (json_object_has_member (sent, "CodeDeliveryDetails"));
  code = idp_read_code (auto_server, "reset", "no-mail");
  reset = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"no-mail\",\"ConfirmationCode\":\"%s\","
                           "\"Password\":\"N3w-password\"}",
                           auto_server->client_id, code);
  json_object_unref (idp_call_ok (auto_server, "ConfirmForgotPassword", reset));
  assert_refused (auto_server, "no-mail", IDP_PASSWORD, "NotAuthorizedException");
  assert_signs_in (auto_server, "no-mail", "N3w-password");
}

static void
test_sign_up_auto_confirm (void)
{
  g_autoptr (IdpServer) auto_server = idp_server_start (TRUE);
  g_autofree char *body = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"auto\",\"Password\":\"%s\","
                                           "\"UserAttributes\":[{\"Name\":\"email\",\"Value\":\"a@b.c\"}]}",
                                           auto_server->client_id, IDP_PASSWORD);
  g_autoptr (JsonObject) reply = idp_call_ok (auto_server, "SignUp", body);
  g_autofree char *path = ks_test_server_dup_data_path (auto_server->server, "confirmation-codes/auto");

  g_assert_true (json_object_get_boolean_member (reply, "UserConfirmed"));
  g_assert_false (json_object_has_member (reply, "CodeDeliveryDetails"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  assert_signs_in (auto_server, "auto", IDP_PASSWORD);

  sign_up_without_email (auto_server);
}

/* ---- Codes ---- */

static void
test_confirm_codes (void)
{
  g_autofree char *sub = idp_sign_up (server, "confirm-me", IDP_PASSWORD);
  g_autofree char *code = idp_read_code (server, "confirm", "confirm-me");
  g_autofree char *wrong = g_strdup (g_str_equal (code, "000000") ? "111111" : "000000");
  g_autofree char *wrong_body = confirm_body ("confirm-me", wrong);
  g_autofree char *right_body = confirm_body ("CONFIRM-ME", code);
  g_autofree char *nobody_body = confirm_body ("nobody-here", code);
  g_autofree char *garbled_body = confirm_body ("confirm-me", "12 34");

  idp_call_fails (server, "ConfirmSignUp", wrong_body, "CodeMismatchException");
  idp_call_fails (server, "ConfirmSignUp", garbled_body, "InvalidParameterException");
  idp_call_fails (server, "ConfirmSignUp", nobody_body, "CodeMismatchException");
  json_object_unref (idp_call_ok (server, "ConfirmSignUp", right_body));
  idp_call_fails (server, "ConfirmSignUp", right_body, "NotAuthorizedException");
  assert_signs_in (server, "confirm-me", IDP_PASSWORD);
}

static void
test_confirm_expired (void)
{
  g_autofree char *sub = idp_sign_up (server, "expiring", IDP_PASSWORD);
  g_autofree char *code = idp_read_code (server, "confirm", "expiring");
  g_autofree char *body = confirm_body ("expiring", code);
  g_autofree char *sql = g_strdup_printf ("UPDATE idp_codes SET expires_at = 1 WHERE sub = '%s'", sub);
  g_autofree char *resend = username_body ("expiring");
  g_autoptr (JsonObject) reply = NULL;

  idp_sql (server, sql);
  idp_call_fails (server, "ConfirmSignUp", body, "ExpiredCodeException");

  reply = idp_call_ok (server, "ResendConfirmationCode", resend);
  assert_delivery (reply, "e***@e***");
  idp_confirm (server, "expiring");
  assert_signs_in (server, "expiring", IDP_PASSWORD);
}

static void
test_confirm_attempt_limit (void)
{
  g_autofree char *sub = idp_sign_up (server, "guesser", IDP_PASSWORD);
  g_autofree char *code = idp_read_code (server, "confirm", "guesser");
  g_autofree char *right = confirm_body ("guesser", code);
  g_autofree char *resend = username_body ("guesser");

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *guess = g_strdup_printf ("%06u", (guint) (g_ascii_strtoull (code, NULL, 10) + 1 + i) % 1000000);
      g_autofree char *body = confirm_body ("guesser", guess);

      idp_call_fails (server, "ConfirmSignUp", body, "CodeMismatchException");
    }

  /* That code is spent, right or not; a new one works. */
  idp_call_fails (server, "ConfirmSignUp", right, "LimitExceededException");
  json_object_unref (idp_call_ok (server, "ResendConfirmationCode", resend));
  idp_confirm (server, "guesser");
}

static void
test_resend (void)
{
  g_autofree char *sub = idp_sign_up (server, "resender", IDP_PASSWORD);
  g_autofree char *body = username_body ("resender");
  g_autofree char *nobody = username_body ("nobody@example.org");
  g_autoptr (JsonObject) fake = NULL;

  /* Sign-up sent one; four more within the hour, then no more. */
  for (guint i = 0; i < 4; i++)
    json_object_unref (idp_call_ok (server, "ResendConfirmationCode", body));
  idp_call_fails (server, "ResendConfirmationCode", body, "LimitExceededException");
  idp_confirm (server, "resender");
  idp_call_fails (server, "ResendConfirmationCode", body, "InvalidParameterException");

  /* Nobody by that name: the same answer as for somebody. */
  fake = idp_call_ok (server, "ResendConfirmationCode", nobody);
  assert_delivery (fake, "n***@e***");
}

/* ---- Forgotten passwords ---- */

static char *
reset_body (const char *username,
            const char *code,
            const char *password)
{
  return g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"%s\",\"ConfirmationCode\":\"%s\","
                          "\"Password\":\"%s\"}",
                          server->client_id, username, code, password);
}

static void
test_forgot_password (void)
{
  g_autofree char *sub = idp_create_user (server, "forgetful", IDP_PASSWORD);
  g_autofree char *body = username_body ("forgetful");
  guint            status = 0;
  g_autoptr (JsonObject) before = idp_password_auth (server, "forgetful", IDP_PASSWORD, &status);
  const char *old_refresh = json_object_get_string_member (idp_result (before), "RefreshToken");
  g_autoptr (JsonObject) reply = idp_call_ok (server, "ForgotPassword", body);
  g_autofree char *code = idp_read_code (server, "reset", "forgetful");
  g_autofree char *wrong = reset_body ("forgetful", g_str_equal (code, "123456") ? "654321" : "123456", "N3w-password");
  g_autofree char *weak = reset_body ("forgetful", code, "weak");
  g_autofree char *right = reset_body ("forgetful", code, "N3w-password");
  g_autoptr (JsonObject) refreshed = NULL;
  g_autoptr (JsonObject) srp = NULL;

  assert_delivery (reply, "f***@e***");
  idp_call_fails (server, "ConfirmForgotPassword", wrong, "CodeMismatchException");
  idp_call_fails (server, "ConfirmForgotPassword", weak, "InvalidPasswordException");
  json_object_unref (idp_call_ok (server, "ConfirmForgotPassword", right));
  idp_call_fails (server, "ConfirmForgotPassword", right, "ExpiredCodeException");

  assert_refused (server, "forgetful", IDP_PASSWORD, "NotAuthorizedException");
  assert_signs_in (server, "forgetful", "N3w-password");
  srp = idp_srp_auth (server, "forgetful", "N3w-password", &status);
  g_assert_cmpuint (status, ==, 200);

  /* A reset signs every old session out. */
  refreshed = idp_refresh (server, "REFRESH_TOKEN_AUTH", old_refresh, &status);
  idp_assert_error (refreshed, status, "NotAuthorizedException");
}

static void
test_forgot_password_others (void)
{
  g_autofree char *sub = idp_sign_up (server, "unconfirmed-forgot", IDP_PASSWORD);
  g_autofree char *unconfirmed = username_body ("unconfirmed-forgot");
  g_autofree char *nobody = username_body ("no-such-user");
  g_autofree char *nobody_reset = reset_body ("no-such-user", "123456", "N3w-password");
  g_autoptr (JsonObject) fake = idp_call_ok (server, "ForgotPassword", nobody);

  assert_delivery (fake, "u***@m***");
  idp_call_fails (server, "ConfirmForgotPassword", nobody_reset, "CodeMismatchException");
  idp_call_fails (server, "ForgotPassword", unconfirmed, "InvalidParameterException");
}

/* ---- Malformed requests ---- */

static void
assert_raw_fails (const char *target,
                  const char *content_type,
                  const char *body,
                  gsize       len,
                  const char *type)
{
  guint status = 0;
  g_autoptr (JsonObject) reply = idp_call_raw (server, target, content_type, body, len, &status);

  idp_assert_error (reply, status, type);
}

static void
test_request_headers (void)
{
  const char *body = "{}";

  assert_raw_fails (NULL, "application/x-amz-json-1.1", body, 2, "UnknownOperationException");
  assert_raw_fails ("AWSCognitoIdentityProviderService.Nope", "application/x-amz-json-1.1", body, 2,
                    "UnknownOperationException");
  assert_raw_fails ("AmazonS3.SignUp", "application/x-amz-json-1.1", body, 2, "UnknownOperationException");
  assert_raw_fails ("AWSCognitoIdentityProviderService.", "application/x-amz-json-1.1", body, 2,
                    "UnknownOperationException");
  assert_raw_fails ("AWSCognitoIdentityProviderService.SignUp", "text/plain", body, 2,
                    "InvalidParameterException");
  assert_raw_fails ("AWSCognitoIdentityProviderService.SignUp", NULL, body, 2, "InvalidParameterException");
}

static void
test_request_bodies (void)
{
  g_autofree char *deep = NULL;
  g_autofree char *wrong_client = g_strdup_printf ("{\"ClientId\":\"nope\",\"Username\":\"x\"}");
  g_autofree char *unknown = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"x\",\"Extra\":1}",
                                              server->client_id);
  g_autofree char *wrong_type = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":5}", server->client_id);
  g_autofree char *null_member = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":null}", server->client_id);
  g_autofree char *bad_map = g_strdup_printf ("{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"%s\","
                                              "\"AuthParameters\":{\"USERNAME\":[\"x\"]}}",
                                              server->client_id);
  GString         *nested = g_string_new ("{\"ClientId\":");

  for (guint i = 0; i < 64; i++)
    g_string_append (nested, "[");
  deep = g_string_free (nested, FALSE);

  idp_call_fails (server, "ForgotPassword", "", "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", "{", "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", "[]", "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", "{\"a\":1}{}", "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", "{\"ClientId\":\"\\u0000\"}", "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", deep, "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", "{}", "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", wrong_client, "ResourceNotFoundException");
  idp_call_fails (server, "ForgotPassword", unknown, "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", wrong_type, "InvalidParameterException");
  idp_call_fails (server, "ForgotPassword", null_member, "InvalidParameterException");
  idp_call_fails (server, "InitiateAuth", bad_map, "InvalidParameterException");
  idp_call_fails (server, "GetUser", "{\"AccessToken\":true}", "InvalidParameterException");
}

static void
test_request_too_large (void)
{
  gsize            len = 100 * 1024;
  g_autofree char *big = g_malloc (len);
  g_autoptr (GIOStream) stream = NULL;
  g_autofree char *head = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *chunk = g_strnfill (32 * 1024, ' ');

  memset (big, ' ', len);
  assert_raw_fails ("AWSCognitoIdentityProviderService.SignUp", "application/x-amz-json-1.1", big, len,
                    "InvalidParameterException");

  /* Chunked, so the size is only known on the way. */
  stream = ks_test_server_connect_raw (server->server);
  head = g_strdup_printf ("POST /cognito HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/x-amz-json-1.1\r\n"
                          "X-Amz-Target: AWSCognitoIdentityProviderService.SignUp\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n");
  ks_test_raw_write (stream, head);
  for (guint i = 0; i < 4; i++)
    {
      ks_test_raw_write (stream, "8000\r\n");
      ks_test_raw_write (stream, chunk);
      ks_test_raw_write (stream, "\r\n");
    }
  ks_test_raw_write (stream, "0\r\n\r\n");
  answer = ks_test_raw_read_until (stream, "}");
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 400"));
  g_assert_nonnull (strstr (answer, "{\"__type\":\"InvalidParameterException\""));
}

/* Whatever arrives, the answer is a Cognito-shaped 400, never a 500. */
static void
test_request_garbage (void)
{
  const char *const operations[] = {
    "SignUp",
    "ConfirmSignUp",
    "InitiateAuth",
    "RespondToAuthChallenge",
    "GetUser",
    "GlobalSignOut",
    "ForgotPassword",
    "ConfirmForgotPassword",
    "ResendConfirmationCode",
    "RevokeToken",
    "ChangePassword",
  };
  g_auto (GStrv) garbage = ks_test_garbage_strings (20261121, 40);
  g_autoptr (GRand) rand = g_rand_new_with_seed (1121);
  g_autofree char *valid = g_strdup_printf ("{\"ChallengeName\":\"PASSWORD_VERIFIER\",\"ClientId\":\"%s\","
                                            "\"ChallengeResponses\":{\"USERNAME\":\"u\",\"TIMESTAMP\":\"x\","
                                            "\"PASSWORD_CLAIM_SECRET_BLOCK\":\"AAAA\",\"PASSWORD_CLAIM_SIGNATURE\":\"AAAA\"}}",
                                            server->client_id);

  /* Truncated and bit-flipped versions of a request that fails anyway. */
  for (gsize i = 0; valid[i] != '\0'; i++)
    {
      g_autofree char *cut = g_strndup (valid, i);
      g_autofree char *flipped = g_strdup (valid);
      guint            status = 0;
      g_autoptr (JsonObject) reply = idp_call (server, "RespondToAuthChallenge", cut, &status);
      g_autoptr (JsonObject) reply2 = NULL;

      idp_assert_error (reply, status, "InvalidParameterException");
      flipped[g_rand_int_range (rand, 0, (gint32) strlen (valid))] ^= (char) (1 << g_rand_int_range (rand, 0, 7));
      reply2 = idp_call (server, "RespondToAuthChallenge", flipped, &status);
      g_assert_cmpuint (status, ==, 400);
    }

  for (guint i = 0; garbage[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (operations); j++)
      {
        guint status = 0;
        g_autoptr (JsonObject) reply = idp_call (server, operations[j], garbage[i], &status);

        g_assert_cmpuint (status, ==, 400);
        g_assert_true (json_object_has_member (reply, "__type"));
      }

  g_assert_true (ks_test_server_is_running (server->server));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/idp/sign-up/ok", test_sign_up);
  g_test_add_func ("/idp/sign-up/password-policy", test_sign_up_password_policy);
  g_test_add_func ("/idp/sign-up/duplicate", test_sign_up_duplicate);
  g_test_add_func ("/idp/sign-up/attributes", test_sign_up_attributes);
  g_test_add_func ("/idp/sign-up/usernames", test_sign_up_usernames);
  g_test_add_func ("/idp/sign-up/auto-confirm", test_sign_up_auto_confirm);
  g_test_add_func ("/idp/confirm/codes", test_confirm_codes);
  g_test_add_func ("/idp/confirm/expired", test_confirm_expired);
  g_test_add_func ("/idp/confirm/attempt-limit", test_confirm_attempt_limit);
  g_test_add_func ("/idp/confirm/resend", test_resend);
  g_test_add_func ("/idp/forgot-password/reset", test_forgot_password);
  g_test_add_func ("/idp/forgot-password/others", test_forgot_password_others);
  g_test_add_func ("/idp/request/headers", test_request_headers);
  g_test_add_func ("/idp/request/bodies", test_request_bodies);
  g_test_add_func ("/idp/request/too-large", test_request_too_large);
  g_test_add_func ("/idp/request/garbage", test_request_garbage);

  server = idp_server_start (FALSE);
  result = g_test_run ();
  idp_server_free (server);

  return result;
}
