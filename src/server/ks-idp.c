/* ks-idp.c: the built-in Cognito-compatible IdP: routes, dispatch and the
 * worker thread the operations run on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-idp-private.h"
#include "ks-json.h"
#include "ks-jwt.h"
#include "ks-server-http.h"
#include "ks-server-urls.h"

/*
 * The IdP speaks Cognito's JSON protocol (POST /cognito, X-Amz-Target
 * AWSCognitoIdentityProviderService.<Operation>) for one user pool and one
 * app client without a secret, both from the data dir. How it behaves
 * where Cognito leaves a choice:
 *
 * - Passwords: Cognito's default policy; only an SRP salt and verifier
 *   are stored. USER_PASSWORD_AUTH recomputes the verifier.
 * - Unknown names get Cognito's "prevent user existence" answers: the
 *   same NotAuthorizedException as a wrong password, a made-up SRP
 *   challenge, a pretend CodeDeliveryDetails.
 * - Codes (6 digits) go to the log and to confirmation-codes/<username>
 *   or password-reset-codes/<username> in the data dir. Five wrong tries
 *   spend a code; five codes an hour per user and purpose at most.
 * - Five wrong passwords for a name in 15 minutes lock it for 15 minutes:
 *   NotAuthorizedException "Password attempts exceeded".
 * - SRP is stateless: SECRET_BLOCK carries the challenge, sealed (see
 *   ks-idp-srp.c), for 5 minutes; each is answered once.
 * - GlobalSignOut and a password reset revoke every refresh token of the
 *   user; access tokens of those sessions are refused by GetUser and the
 *   other IdP operations but, as with Cognito behind an API gateway, stay
 *   valid for ks_idp_verify_access_token() until they expire (1 h).
 *
 * Operations run on one worker thread with its own database connection,
 * in order; the main loop only parses headers and sends replies.
 */

/* Cognito's largest legitimate request is a few KiB. */
#define IDP_MAX_BODY ((goffset) 64 * 1024)
#define IDP_MAX_DEPTH 8
#define IDP_CONTENT_TYPE "application/x-amz-json-1.1"
#define IDP_TARGET_PREFIX "AWSCognitoIdentityProviderService."
#define IDP_LEEWAY 60

G_DEFINE_QUARK (ks_idp_error_quark, ks_idp_error)

static const char *const error_types[] = {
  [KS_IDP_ERROR_INVALID_PARAMETER] = "InvalidParameterException",
  [KS_IDP_ERROR_INVALID_PASSWORD] = "InvalidPasswordException",
  [KS_IDP_ERROR_USERNAME_EXISTS] = "UsernameExistsException",
  [KS_IDP_ERROR_NOT_AUTHORIZED] = "NotAuthorizedException",
  [KS_IDP_ERROR_USER_NOT_CONFIRMED] = "UserNotConfirmedException",
  [KS_IDP_ERROR_USER_NOT_FOUND] = "UserNotFoundException",
  [KS_IDP_ERROR_CODE_MISMATCH] = "CodeMismatchException",
  [KS_IDP_ERROR_EXPIRED_CODE] = "ExpiredCodeException",
  [KS_IDP_ERROR_RESOURCE_NOT_FOUND] = "ResourceNotFoundException",
  [KS_IDP_ERROR_LIMIT_EXCEEDED] = "LimitExceededException",
  [KS_IDP_ERROR_UNKNOWN_OPERATION] = "UnknownOperationException",
  [KS_IDP_ERROR_INTERNAL] = "InternalErrorException",
};

const char *
ks_idp_error_type (KsIdpError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_types))
    return error_types[KS_IDP_ERROR_INTERNAL];
  return error_types[code];
}

static const struct
{
  const char    *name;
  KsIdpOperation run;
} operations[] = {
  { "SignUp", ks_idp_sign_up },
  { "ConfirmSignUp", ks_idp_confirm_sign_up },
  { "ResendConfirmationCode", ks_idp_resend_confirmation_code },
  { "ForgotPassword", ks_idp_forgot_password },
  { "ConfirmForgotPassword", ks_idp_confirm_forgot_password },
  { "InitiateAuth", ks_idp_initiate_auth },
  { "RespondToAuthChallenge", ks_idp_respond_to_auth_challenge },
  { "GetUser", ks_idp_get_user },
  { "GlobalSignOut", ks_idp_global_sign_out },
  { "RevokeToken", ks_idp_revoke_token },
  { "ChangePassword", ks_idp_change_password },
};

/* ---- Tokens for other modules ---- */

static KsJwtExpect
access_expect (KsServer   *server,
               const char *issuer)
{
  KsJwtExpect expect = {
    .issuer = issuer,
    .token_use = "access",
    .client_id = ks_server_data_dir_get_client_id (ks_server_get_data_dir (server)),
    .leeway_seconds = IDP_LEEWAY,
  };

  return expect;
}

JsonObject *
ks_idp_verify_access_token (KsServer   *server,
                            const char *token,
                            GError    **error)
{
  KsServerDataDir *data_dir;
  g_autoptr (KsJwks) jwks = ks_jwks_new ();
  g_autofree char *issuer = NULL;
  KsJwtExpect      expect;

  g_return_val_if_fail (KS_IS_SERVER (server), NULL);
  g_return_val_if_fail (token != NULL, NULL);

  data_dir = ks_server_get_data_dir (server);
  issuer = ks_server_urls_issuer (ks_server_get_public_url (server),
                                  ks_server_data_dir_get_user_pool_id (data_dir));
  ks_jwks_add_key (jwks, ks_server_data_dir_get_signing_key (data_dir));
  expect = access_expect (server, issuer);

  return ks_jwt_verify (token, jwks, &expect, error);
}

/* ---- Module state ---- */

static void
idp_clear (KsIdp *idp)
{
  /* Jobs hold references, so none is running now. */
  if (idp->worker != NULL)
    g_thread_pool_free (idp->worker, TRUE, TRUE);
  g_clear_object (&idp->db);
  g_clear_object (&idp->main_db);
  g_clear_pointer (&idp->context, g_main_context_unref);
  g_free (idp->data_path);
  g_free (idp->pool_id);
  g_free (idp->client_id);
  g_clear_pointer (&idp->signing_key, ks_rsa_key_unref);
  g_clear_pointer (&idp->jwks, ks_jwks_unref);
  memset (idp->secret_key, 0, sizeof idp->secret_key);
}

static KsIdp *
idp_ref (KsIdp *idp)
{
  return g_atomic_rc_box_acquire (idp);
}

static void
idp_unref (KsIdp *idp)
{
  g_atomic_rc_box_release_full (idp, (GDestroyNotify) idp_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsIdp, idp_unref)

/* The SECRET_BLOCK key comes from the signing key, so every server on
 * the same data directory opens the others' challenges. */
static void
derive_secret_key (KsIdp *idp)
{
  static const char label[] = "keepsake-idp SECRET_BLOCK key v1";
  g_autofree char  *pem = ks_rsa_key_to_private_pem (idp->signing_key);

  g_assert (pem != NULL);
  ks_hmac_sha256 (label, sizeof label - 1, pem, strlen (pem), idp->secret_key);
  memset (pem, 0, strlen (pem));
}

/* ---- Replies ---- */

static void
respond (SoupServerMessage *msg,
         guint              status,
         JsonNode          *node)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char    *request_id = g_uuid_string_random ();

  /* Replaces an earlier answer (a body over the limit), not appends. */
  soup_message_body_truncate (soup_server_message_get_response_body (msg));
  ks_server_http_respond_json (msg, status, node);
  soup_message_headers_replace (headers, "Content-Type", IDP_CONTENT_TYPE);
  soup_message_headers_replace (headers, "x-amzn-RequestId", request_id);
}

static void
respond_error (SoupServerMessage *msg,
               KsIdpError         code,
               const char        *message)
{
  const char *type = ks_idp_error_type (code);
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *error_type = g_strconcat (type, ":", NULL);

  json_object_set_string_member (object, "__type", type);
  json_object_set_string_member (object, "message", message);
  json_node_set_object (node, object);

  respond (msg, code == KS_IDP_ERROR_INTERNAL ? SOUP_STATUS_INTERNAL_SERVER_ERROR : SOUP_STATUS_BAD_REQUEST,
           node);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "x-amzn-ErrorType", error_type);
}

/* Errors of other domains are bugs or broken storage: logged here, and
 * the client learns nothing about them. */
static void
respond_gerror (SoupServerMessage *msg,
                const GError      *error)
{
  if (error->domain == KS_IDP_ERROR && error->code != KS_IDP_ERROR_INTERNAL)
    {
      respond_error (msg, error->code, error->message);
      return;
    }

  g_warning ("Cognito request failed: %s", error->message);
  respond_error (msg, KS_IDP_ERROR_INTERNAL, "Internal server error.");
}

/* ---- Requests ---- */

typedef struct
{
  KsIdp             *idp; /* owned */
  SoupServerMessage *msg; /* owned */
  KsIdpOperation     run;
  GBytes            *body; /* owned */
  char              *issuer;
  gboolean           auto_confirm;
  JsonNode          *reply; /* owned, nullable */
  GError            *error; /* owned, nullable */
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->idp, idp_unref);
  g_clear_object (&job->msg);
  g_clear_pointer (&job->body, g_bytes_unref);
  g_free (job->issuer);
  g_clear_pointer (&job->reply, json_node_unref);
  g_clear_error (&job->error);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_free)

static JsonObject *
parse_body (GBytes  *body,
            GError **error)
{
  gsize       len = 0;
  const char *data = g_bytes_get_data (body, &len);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local_error = NULL;

  root = ks_json_parse_strict (data != NULL ? data : "", (gssize) len, IDP_MAX_DEPTH, &local_error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_debug ("Cognito request body: %s", local_error != NULL ? local_error->message : "not an object");
      g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER,
                           "The request body is not a JSON object.");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

static gboolean
open_db (KsIdp   *idp,
         GError **error)
{
  if (idp->db != NULL)
    return TRUE;

  /* Its own connection: the worker's transactions must not interleave
   * with the main thread's statements. */
  idp->db = ks_server_db_open_sibling (idp->main_db, error);
  return idp->db != NULL;
}

static JsonNode *
run_job (Job     *job,
         GError **error)
{
  g_autoptr (JsonObject) body = NULL;
  KsIdpCall call = { 0 };

  if (!open_db (job->idp, error))
    return NULL;

  body = parse_body (job->body, error);
  if (body == NULL)
    return NULL;

  call.idp = job->idp;
  call.db = job->idp->db;
  call.body = body;
  call.issuer = job->issuer;
  call.auto_confirm = job->auto_confirm;
  call.now = g_get_real_time () / G_USEC_PER_SEC;

  return job->run (&call, error);
}

static gboolean
reply_cb (gpointer user_data)
{
  g_autoptr (Job) job = user_data;

  if (job->reply != NULL)
    respond (job->msg, SOUP_STATUS_OK, job->reply);
  else
    respond_gerror (job->msg, job->error);
  soup_server_message_unpause (job->msg);

  return G_SOURCE_REMOVE;
}

/* On the worker thread. */
static void
worker_cb (gpointer data,
           gpointer user_data)
{
  Job *job = data;

  job->reply = run_job (job, &job->error);
  g_assert (job->reply != NULL || job->error != NULL);
  g_main_context_invoke (job->idp->context, reply_cb, job);
}

static gboolean
has_json_content_type (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char         *type = soup_message_headers_get_content_type (headers, NULL);

  return type != NULL && g_ascii_strcasecmp (type, IDP_CONTENT_TYPE) == 0;
}

static KsIdpOperation
lookup_operation (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char         *target = soup_message_headers_get_one (headers, "X-Amz-Target");

  if (target == NULL || !g_str_has_prefix (target, IDP_TARGET_PREFIX))
    return NULL;

  target += strlen (IDP_TARGET_PREFIX);
  for (guint i = 0; i < G_N_ELEMENTS (operations); i++)
    if (strcmp (target, operations[i].name) == 0)
      return operations[i].run;

  return NULL;
}

static void
cognito_cb (KsServer          *server,
            SoupServerMessage *msg,
            GHashTable        *params,
            gpointer           user_data)
{
  KsIdp         *idp = user_data;
  KsIdpOperation run;
  g_autoptr (Job) job = NULL;

  /* Already answered: a body over the limit. */
  if (soup_server_message_get_status (msg) != 0)
    return;

  run = lookup_operation (msg);
  if (run == NULL)
    {
      respond_error (msg, KS_IDP_ERROR_UNKNOWN_OPERATION, "Unknown operation.");
      return;
    }
  if (!has_json_content_type (msg))
    {
      respond_error (msg, KS_IDP_ERROR_INVALID_PARAMETER,
                     "Content-Type must be " IDP_CONTENT_TYPE ".");
      return;
    }

  job = g_new0 (Job, 1);
  job->idp = idp_ref (idp);
  job->msg = g_object_ref (msg);
  job->run = run;
  job->body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  job->issuer = ks_server_urls_issuer (ks_server_get_public_url (server), idp->pool_id);
  job->auto_confirm = ks_server_get_auto_confirm (server);

  soup_server_message_pause (msg);
  g_thread_pool_push (idp->worker, g_steal_pointer (&job), NULL);
}

/* ks_server_http_limit_body() answers in the server's own error shape;
 * Cognito clients expect theirs. */
static void
reshape_too_large (SoupServerMessage *msg)
{
  g_autofree char *message = NULL;

  if (soup_server_message_get_status (msg) != SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    return;

  message = g_strdup_printf ("The request body is larger than %" G_GOFFSET_FORMAT " bytes.",
                             IDP_MAX_BODY);
  respond_error (msg, KS_IDP_ERROR_INVALID_PARAMETER, message);
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  reshape_too_large (msg);
}

static void
cognito_early_cb (KsServer          *server,
                  SoupServerMessage *msg,
                  GHashTable        *params,
                  gpointer           user_data)
{
  ks_server_http_limit_body (msg, IDP_MAX_BODY);
  reshape_too_large (msg);
  /* After the limit's own handler, which answers a chunked body late. */
  g_signal_connect_after (msg, "got-chunk", G_CALLBACK (got_chunk_cb), NULL);
}

/* ---- Public keys ---- */

static gboolean
check_pool (KsIdp             *idp,
            SoupServerMessage *msg,
            GHashTable        *params)
{
  if (g_strcmp0 (g_hash_table_lookup (params, "pool"), idp->pool_id) == 0)
    return TRUE;

  ks_server_http_respond_error (msg, SOUP_STATUS_NOT_FOUND, KS_SERVER_HTTP_NOT_FOUND,
                                "There is no such user pool");
  return FALSE;
}

static void
jwks_cb (KsServer          *server,
         SoupServerMessage *msg,
         GHashTable        *params,
         gpointer           user_data)
{
  KsIdp           *idp = user_data;
  g_autofree char *json = NULL;
  gsize            len;

  if (!check_pool (idp, msg, params))
    return;

  json = ks_jwks_to_json (idp->jwks);
  len = strlen (json);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "public, max-age=300");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&json), len);
}

static void
openid_configuration_cb (KsServer          *server,
                         SoupServerMessage *msg,
                         GHashTable        *params,
                         gpointer           user_data)
{
  KsIdp           *idp = user_data;
  const char      *public_url = ks_server_get_public_url (server);
  g_autofree char *issuer = ks_server_urls_issuer (public_url, idp->pool_id);
  g_autofree char *jwks_uri = ks_server_urls_jwks (public_url, idp->pool_id);
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  if (!check_pool (idp, msg, params))
    return;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "issuer");
  json_builder_add_string_value (builder, issuer);
  json_builder_set_member_name (builder, "jwks_uri");
  json_builder_add_string_value (builder, jwks_uri);
  json_builder_set_member_name (builder, "id_token_signing_alg_values_supported");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "RS256");
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "subject_types_supported");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "public");
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  ks_server_http_respond_json (msg, SOUP_STATUS_OK, root);
}

/* ---- Registration ---- */

static KsIdp *
idp_new (KsServer *server)
{
  KsServerDataDir *data_dir = ks_server_get_data_dir (server);
  KsIdp           *idp = g_atomic_rc_box_new0 (KsIdp);

  idp->server = server;
  idp->context = g_main_context_ref_thread_default ();
  idp->worker = g_thread_pool_new (worker_cb, NULL, 1, FALSE, NULL);
  idp->main_db = g_object_ref (ks_server_get_db (server));
  idp->data_path = g_strdup (ks_server_data_dir_get_path (data_dir));
  idp->pool_id = g_strdup (ks_server_data_dir_get_user_pool_id (data_dir));
  idp->client_id = g_strdup (ks_server_data_dir_get_client_id (data_dir));
  idp->signing_key = ks_rsa_key_ref (ks_server_data_dir_get_signing_key (data_dir));
  idp->jwks = ks_jwks_new ();
  ks_jwks_add_key (idp->jwks, idp->signing_key);
  derive_secret_key (idp);

  return idp;
}

static void
add_cognito_route (KsServer   *server,
                   KsIdp      *idp,
                   const char *path)
{
  KsServerRoute *route = ks_server_add_route (server, SOUP_METHOD_POST, path, cognito_cb,
                                              idp_ref (idp), (GDestroyNotify) idp_unref);

  /* The early handler applies its own limit, in Cognito's error shape. */
  ks_server_route_set_max_body_size (route, -1);
  ks_server_route_set_early_handler (route, cognito_early_cb);
}

void
ks_idp_register (KsServer *server)
{
  g_autoptr (KsIdp) idp = idp_new (server);

  /* The AWS SDKs append "/" to an endpoint with a path. */
  add_cognito_route (server, idp, KS_SERVER_PATH_COGNITO);
  add_cognito_route (server, idp, KS_SERVER_PATH_COGNITO "/");

  ks_server_add_route (server, SOUP_METHOD_GET,
                       KS_SERVER_PATH_COGNITO "/{pool}/.well-known/jwks.json",
                       jwks_cb, idp_ref (idp), (GDestroyNotify) idp_unref);
  ks_server_add_route (server, SOUP_METHOD_GET,
                       KS_SERVER_PATH_COGNITO "/{pool}/.well-known/openid-configuration",
                       openid_configuration_cb, idp_ref (idp), (GDestroyNotify) idp_unref);
}
