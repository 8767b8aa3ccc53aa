/* ks-api-client.c: requests, retries and replies of the REST API v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ks-api-client-private.h"
#include "ks-backoff.h"
#include "ks-cloud-error.h"
#include "ks-json.h"

#define DEFAULT_MAX_ATTEMPTS 5
#define DEFAULT_BASE_DELAY_MS 250
#define DEFAULT_MAX_DELAY_MS 30000
#define MAX_RETRY_AFTER_MS (5 * 60 * 1000)
/* Replies are a few levels deep; anything deeper is not ours. */
#define MAX_REPLY_DEPTH 16
/* How much longer than its wait a long poll may take. */
#define LONG_POLL_SLACK 30
/* RFC 6585; libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429

struct _KsApiClient
{
  GObject        parent_instance;
  SoupSession   *soup;           /* owned */
  SoupSession   *long_poll_soup; /* owned, nullable: made on first use */
  char          *api_url;        /* no trailing slash */
  KsTokenSource *tokens;         /* owned */
  guint          max_attempts;
  guint          base_delay_ms;
  guint          max_delay_ms;
};

G_DEFINE_FINAL_TYPE (KsApiClient, ks_api_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_SOUP_SESSION,
  PROP_API_URL,
  PROP_TOKEN_SOURCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  KsApiCallSpec spec;
  char         *log_path; /* owned: @spec.path without its query */
  GBytes       *body;     /* owned, nullable: @spec.body as sent */
  SoupMessage  *msg;      /* owned, nullable: the attempt under way */
  char         *token;    /* owned, nullable; wiped */
  char         *rejected; /* owned, nullable: a token refused with 401; wiped */
  guint         attempt;  /* 1-based; a 401 retry does not count */
  gboolean      refreshed;
  guint         status;  /* of the last reply, 0 if none */
  gint64        sent_at; /* monotonic µs, for the log */
} Call;

static void
wipe_string (char **text)
{
  if (*text != NULL)
    memset (*text, 0, strlen (*text));
  g_clear_pointer (text, g_free);
}

static void
call_free (Call *call)
{
  g_free (call->spec.path);
  g_free (call->log_path);
  g_clear_pointer (&call->spec.body, json_node_unref);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_object (&call->msg);
  wipe_string (&call->token);
  wipe_string (&call->rejected);
  g_free (call);
}

static void next_attempt (GTask *task);

/* ---- Errors ---- */

static KsCloudError
error_code_for_status (guint status)
{
  switch (status)
    {
    case SOUP_STATUS_BAD_REQUEST:
      return KS_CLOUD_ERROR_BAD_REQUEST;
    case SOUP_STATUS_UNAUTHORIZED:
      return KS_CLOUD_ERROR_UNAUTHORIZED;
    case SOUP_STATUS_FORBIDDEN:
      return KS_CLOUD_ERROR_FORBIDDEN;
    case SOUP_STATUS_NOT_FOUND:
      return KS_CLOUD_ERROR_NOT_FOUND;
    case SOUP_STATUS_CONFLICT:
      return KS_CLOUD_ERROR_CONFLICT;
    case SOUP_STATUS_GONE:
      return KS_CLOUD_ERROR_GONE;
    case SOUP_STATUS_PRECONDITION_FAILED:
      return KS_CLOUD_ERROR_PRECONDITION;
    case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
      return KS_CLOUD_ERROR_TOO_LARGE;
    case STATUS_TOO_MANY_REQUESTS:
      return KS_CLOUD_ERROR_THROTTLED;
    default:
      return status >= 500 && status < 600 ? KS_CLOUD_ERROR_SERVER : KS_CLOUD_ERROR_FAILED;
    }
}

/* {"error": {"code": …, "message": …}}, or just the status's phrase. */
static GError *
error_from_reply (guint   status,
                  GBytes *body)
{
  KsCloudError code = error_code_for_status (status);
  g_autoptr (JsonNode) root = NULL;
  JsonObject *object = NULL;
  const char *message = NULL;

  if (body != NULL && g_bytes_get_size (body) > 0)
    root = ks_json_parse_strict (g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body),
                                 MAX_REPLY_DEPTH, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      ks_cloud_get_object (json_node_get_object (root), "error", TRUE, &object, NULL) &&
      ks_json_object_get_string_member_checked (object, "message", TRUE, &message, NULL))
    return g_error_new_literal (KS_CLOUD_ERROR, code, message);

  return g_error_new (KS_CLOUD_ERROR, code, _ ("The server answered “%u %s”"), status,
                      soup_status_get_phrase (status));
}

static gboolean
is_connect_error (const GError *error)
{
  return error->domain == G_RESOLVER_ERROR ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE);
}

/* @status: of the reply whose body broke off, 0 if none came. */
static GError *
error_from_transport (const GError *error,
                      guint         status)
{
  /* A body shorter than its Content-Length. */
  if (status != 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
    return g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                        _ ("The server’s reply was cut short: %s"), error->message);

  return g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK,
                      _ ("Could not reach the server: %s"), error->message);
}

/* ---- Backoff ---- */

/* Seconds or an HTTP date; -1 if absent or unreadable. */
static gint64
retry_after_ms (SoupMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                    "Retry-After");
  guint64     seconds;

  if (value == NULL)
    return -1;
  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &seconds, NULL))
    return MIN ((gint64) seconds * 1000, MAX_RETRY_AFTER_MS);

  {
    g_autoptr (GDateTime) date = soup_date_time_new_from_http_string (value);
    g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

    if (date == NULL)
      return -1;
    return CLAMP (g_date_time_difference (date, now) / 1000, 0, MAX_RETRY_AFTER_MS);
  }
}

/* Full jitter: uniform in [0, min (cap, base · 2^(attempt − 1))]. */
static guint
backoff_ms (KsApiClient *self,
            guint        attempt)
{
  return (guint) ks_backoff_full_jitter (ks_backoff_ceiling (self->base_delay_ms, attempt - 1, self->max_delay_ms));
}

static gboolean
backoff_done_cb (gpointer user_data)
{
  GTask *task = user_data;

  if (!g_task_return_error_if_cancelled (task))
    next_attempt (g_object_ref (task));

  return G_SOURCE_REMOVE;
}

static void
retry_later (GTask *task,
             gint64 at_least_ms)
{
  KsApiClient  *self = g_task_get_source_object (task);
  Call         *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  gint64        delay = MAX ((gint64) backoff_ms (self, call->attempt), at_least_ms);
  GSource      *source = g_timeout_source_new ((guint) delay);

  g_debug ("%s %s: attempt %u failed, retrying in %" G_GINT64_FORMAT " ms", call->spec.method,
           call->log_path, call->attempt, delay);
  call->attempt++;

  /* The wait ends early, with G_IO_ERROR_CANCELLED, if the caller gives up. */
  if (cancellable != NULL)
    {
      GSource *cancelled = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancelled);
      g_source_add_child_source (source, cancelled);
      g_source_unref (cancelled);
    }
  g_source_set_callback (source, backoff_done_cb, task, g_object_unref);
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

/* ---- Replies ---- */

static gboolean
can_retry_status (Call *call,
                  guint status)
{
  switch (status)
    {
    case STATUS_TOO_MANY_REQUESTS:
    case SOUP_STATUS_BAD_GATEWAY:
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
    case SOUP_STATUS_GATEWAY_TIMEOUT:
      return TRUE;
    case SOUP_STATUS_INTERNAL_SERVER_ERROR:
      return call->spec.idempotent;
    default:
      return FALSE;
    }
}

static void
return_reply (GTask  *task,
              GBytes *body)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  gpointer result;

  if (call->status != SOUP_STATUS_NO_CONTENT)
    {
      const char *text = g_bytes_get_data (body, NULL);

      /* An empty GBytes may have no data at all. */
      root = ks_json_parse_strict (text != NULL ? text : "", (gssize) g_bytes_get_size (body),
                                   MAX_REPLY_DEPTH, &error);
      if (root == NULL)
        {
          g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                                   _ ("The server’s reply is not valid JSON: %s"), error->message);
          return;
        }
    }

  if (call->spec.parse == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&root), (GDestroyNotify) json_node_unref);
      return;
    }

  result = call->spec.parse (root, &error);
  if (result == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, result, call->spec.result_free);
}

/* libsoup hands over what arrived before the connection closed, even
 * when it is less than the Content-Length said. */
static gboolean
check_complete (SoupMessage *msg,
                GBytes      *body,
                GError     **error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  const char         *coding = soup_message_headers_get_one (headers, "Content-Encoding");
  goffset             expected;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH ||
      (coding != NULL && g_ascii_strcasecmp (coding, "identity") != 0))
    return TRUE;

  expected = soup_message_headers_get_content_length (headers);
  if ((goffset) g_bytes_get_size (body) >= expected)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
               "%" G_GSIZE_FORMAT " of %" G_GOFFSET_FORMAT " bytes", g_bytes_get_size (body), expected);
  return FALSE;
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsApiClient *self = g_task_get_source_object (task);
  Call        *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  gint64   ms = (g_get_monotonic_time () - call->sent_at) / 1000;
  gboolean attempts_left = call->attempt < self->max_attempts;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (body != NULL && !check_complete (call->msg, body, &error))
    g_clear_pointer (&body, g_bytes_unref);
  if (body == NULL)
    {
      g_debug ("%s %s: %s (%" G_GINT64_FORMAT " ms)", call->spec.method, call->log_path,
               error->message, ms);
      if (attempts_left && (call->spec.idempotent || is_connect_error (error)))
        retry_later (g_steal_pointer (&task), 0);
      else
        g_task_return_error (task, error_from_transport (error, soup_message_get_status (call->msg)));
      return;
    }

  call->status = soup_message_get_status (call->msg);
  g_debug ("%s %s: %u (%" G_GINT64_FORMAT " ms)", call->spec.method, call->log_path,
           call->status, ms);

  if (call->status == SOUP_STATUS_UNAUTHORIZED && !call->spec.anonymous && !call->refreshed)
    {
      /* Once: the source refreshes if this token is still its current one. */
      call->refreshed = TRUE;
      wipe_string (&call->rejected);
      call->rejected = g_steal_pointer (&call->token);
      next_attempt (g_steal_pointer (&task));
    }
  else if (attempts_left && can_retry_status (call, call->status))
    retry_later (g_steal_pointer (&task), retry_after_ms (call->msg));
  else if (SOUP_STATUS_IS_SUCCESSFUL (call->status))
    return_reply (task, body);
  else
    g_task_return_error (task, error_from_reply (call->status, body));
}

static SoupSession *
session_for (KsApiClient *self,
             Call        *call)
{
  guint timeout;

  if (call->spec.timeout == 0)
    return self->soup;

  /* The session's own timeout would cut a long poll short; a second
   * session with the same network settings waits long enough. */
  timeout = MAX (soup_session_get_timeout (self->soup), call->spec.timeout + LONG_POLL_SLACK);
  if (self->long_poll_soup == NULL)
    self->long_poll_soup = soup_session_new_with_options ("proxy-resolver", soup_session_get_proxy_resolver (self->soup),
                                                          "tls-database", soup_session_get_tls_database (self->soup),
                                                          "user-agent", soup_session_get_user_agent (self->soup),
                                                          NULL);
  if (soup_session_get_timeout (self->long_poll_soup) < timeout)
    soup_session_set_timeout (self->long_poll_soup, timeout);

  return self->long_poll_soup;
}

static void
send_attempt (GTask *task)
{
  KsApiClient        *self = g_task_get_source_object (task);
  Call               *call = g_task_get_task_data (task);
  g_autofree char    *url = g_strconcat (self->api_url, call->spec.path, NULL);
  SoupMessageHeaders *headers;

  g_clear_object (&call->msg);
  call->msg = soup_message_new (call->spec.method, url);
  if (call->msg == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                               _ ("Not a usable API URL: %s"), self->api_url);
      g_object_unref (task);
      return;
    }

  headers = soup_message_get_request_headers (call->msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (call->token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", call->token, NULL);

      soup_message_headers_replace (headers, "Authorization", value);
      memset (value, 0, strlen (value));
    }
  if (call->body != NULL)
    soup_message_set_request_body_from_bytes (call->msg, "application/json", call->body);

  call->sent_at = g_get_monotonic_time ();
  soup_session_send_and_read_async (session_for (self, call), call->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), sent_cb, task);
}

static void
token_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask  *task = user_data;
  Call   *call = g_task_get_task_data (task);
  GError *error = NULL;

  wipe_string (&call->token);
  call->token = ks_token_source_get_access_token_finish (KS_TOKEN_SOURCE (source), result, &error);
  if (call->token == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  send_attempt (task);
}

/* Takes @task. */
static void
next_attempt (GTask *task)
{
  KsApiClient *self = g_task_get_source_object (task);
  Call        *call = g_task_get_task_data (task);

  if (call->spec.anonymous)
    send_attempt (task);
  else
    ks_token_source_get_access_token_async (self->tokens, call->rejected, g_task_get_cancellable (task),
                                            token_cb, task);
}

void
ks_api_client_run (KsApiClient        *self,
                   KsApiCallSpec      *spec,
                   gpointer            source_tag,
                   GCancellable       *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->spec = *spec;
  memset (spec, 0, sizeof *spec);
  call->attempt = 1;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);

  /* Never the query: cursors are harmless, but the rule is simpler. */
  if (call->spec.log_path != NULL)
    call->log_path = g_strdup (call->spec.log_path);
  else
    call->log_path = g_strndup (call->spec.path, strcspn (call->spec.path, "?"));
  if (call->spec.body != NULL)
    {
      gsize len = 0;
      char *text = json_to_string (call->spec.body, FALSE);

      len = strlen (text);
      call->body = g_bytes_new_take (text, len);
    }

  next_attempt (g_steal_pointer (&task));
}

gpointer
ks_api_client_run_finish (KsApiClient  *self,
                          GAsyncResult *result,
                          gpointer      source_tag,
                          GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
ks_api_client_run_finish_boolean (KsApiClient  *self,
                                  GAsyncResult *result,
                                  gpointer      source_tag,
                                  GError      **error)
{
  Call    *call;
  GError  *local = NULL;
  gpointer value;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  call = g_task_get_task_data (G_TASK (result));
  value = g_task_propagate_pointer (G_TASK (result), &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (value != NULL)
    (call->spec.parse != NULL ? call->spec.result_free : (GDestroyNotify) json_node_unref) (value);

  return TRUE;
}

guint
ks_api_client_run_get_status (GAsyncResult *result)
{
  Call *call = g_task_get_task_data (G_TASK (result));

  return call->status;
}

/* ---- The object ---- */

static void
ks_api_client_finalize (GObject *object)
{
  KsApiClient *self = KS_API_CLIENT (object);

  g_clear_object (&self->soup);
  g_clear_object (&self->long_poll_soup);
  g_clear_object (&self->tokens);
  g_free (self->api_url);

  G_OBJECT_CLASS (ks_api_client_parent_class)->finalize (object);
}

static void
ks_api_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsApiClient *self = KS_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SOUP_SESSION:
      g_value_set_object (value, self->soup);
      break;
    case PROP_API_URL:
      g_value_set_string (value, self->api_url);
      break;
    case PROP_TOKEN_SOURCE:
      g_value_set_object (value, self->tokens);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_api_client_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  KsApiClient *self = KS_API_CLIENT (object);

  switch (prop_id)
    {
    case PROP_SOUP_SESSION:
      self->soup = g_value_dup_object (value);
      break;
    case PROP_API_URL:
      /* "https://host/v1/" and "https://host/v1" alike. */
      self->api_url = g_strdup (g_value_get_string (value));
      while (self->api_url != NULL && g_str_has_suffix (self->api_url, "/"))
        self->api_url[strlen (self->api_url) - 1] = '\0';
      break;
    case PROP_TOKEN_SOURCE:
      self->tokens = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_api_client_class_init (KsApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_api_client_finalize;
  object_class->get_property = ks_api_client_get_property;
  object_class->set_property = ks_api_client_set_property;

  properties[PROP_SOUP_SESSION] =
      g_param_spec_object ("soup-session", NULL, NULL, SOUP_TYPE_SESSION,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_URL] =
      g_param_spec_string ("api-url", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN_SOURCE] =
      g_param_spec_object ("token-source", NULL, NULL, KS_TYPE_TOKEN_SOURCE,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_api_client_init (KsApiClient *self)
{
  self->max_attempts = DEFAULT_MAX_ATTEMPTS;
  self->base_delay_ms = DEFAULT_BASE_DELAY_MS;
  self->max_delay_ms = DEFAULT_MAX_DELAY_MS;
}

KsApiClient *
ks_api_client_new (SoupSession   *soup,
                   const char    *api_url,
                   KsTokenSource *tokens)
{
  g_return_val_if_fail (SOUP_IS_SESSION (soup), NULL);
  g_return_val_if_fail (api_url != NULL, NULL);
  g_return_val_if_fail (KS_IS_TOKEN_SOURCE (tokens), NULL);

  return g_object_new (KS_TYPE_API_CLIENT,
                       "soup-session", soup,
                       "api-url", api_url,
                       "token-source", tokens,
                       NULL);
}

const char *
ks_api_client_get_api_url (KsApiClient *self)
{
  g_return_val_if_fail (KS_IS_API_CLIENT (self), NULL);

  return self->api_url;
}

void
ks_api_client_set_retry_policy (KsApiClient *self,
                                guint        max_attempts,
                                guint        base_delay_ms,
                                guint        max_delay_ms)
{
  g_return_if_fail (KS_IS_API_CLIENT (self));
  g_return_if_fail (max_attempts >= 1);

  self->max_attempts = max_attempts;
  self->base_delay_ms = base_delay_ms;
  self->max_delay_ms = MAX (max_delay_ms, base_delay_ms);
}
