/* ks-server-http.c: JSON replies, body limits and the access log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "ks-server-error.h"
#include "ks-server-http.h"

/* Its own prefix, so the access log can be told apart from messages. */
#define ACCESS_LOG_DOMAIN "ks-access"

/* After a body went over its limit it is still read (HTTP/1.1 has no other
 * way to answer 413 on a kept-alive connection), but only this much more;
 * then the connection is cut. */
#define DRAIN_MAX ((goffset) 16 * 1024 * 1024)

/* Longer paths are cut in the log; nothing legitimate comes close. */
#define LOG_PATH_MAX 512

typedef struct
{
  goffset  max_size;
  goffset  received;
  gboolean hung_up;
} BodyLimit;

typedef struct
{
  gint64  start_us;
  guint64 bytes;
} AccessInfo;

static GQuark
body_limit_quark (void)
{
  return g_quark_from_static_string ("ks-server-http-body-limit");
}
static GQuark
access_info_quark (void)
{
  return g_quark_from_static_string ("ks-server-http-access-info");
}

/* Replies carry tokens and private metadata: never in a shared cache. */
static void
set_json_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
}

void
ks_server_http_respond_json (SoupServerMessage *msg,
                             guint              status,
                             JsonNode          *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  gsize len = 0;
  char *text;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &len);

  set_json_headers (msg);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

/* The same, for a body that is JSON text already. */
void
ks_server_http_respond_json_bytes (SoupServerMessage *msg,
                                   guint              status,
                                   GBytes            *json)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  set_json_headers (msg);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "application/json", NULL);
  soup_server_message_set_status (msg, status, NULL);
  soup_message_body_truncate (body);
  soup_message_body_append_bytes (body, json);
}

/**
 * ks_server_http_respond_error:
 * @code: a short machine-readable code, e.g. %KS_SERVER_HTTP_NOT_FOUND
 * @format: a sentence for people, printf-style
 *
 * Replies {"error": {"code": @code, "message": ...}} with @status.
 */
void
ks_server_http_respond_error (SoupServerMessage *msg,
                              guint              status,
                              const char        *code,
                              const char        *format,
                              ...)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  ks_server_http_respond_json (msg, status, root);
}

/**
 * ks_server_http_parse_json_body:
 * @error: %KS_SERVER_ERROR_BAD_REQUEST if the body is empty or not JSON
 *
 * Returns: (transfer full): the request body, parsed
 */
JsonNode *
ks_server_http_parse_json_body (SoupServerMessage *msg,
                                GError           **error)
{
  g_autoptr (GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  gsize       len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  if (len == 0)
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_BAD_REQUEST,
                           "The request body is empty");
      return NULL;
    }

  if (!json_parser_load_from_data (parser, data, (gssize) len, &local_error))
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_BAD_REQUEST,
                   "The request body is not valid JSON: %s", local_error->message);
      return NULL;
    }

  return json_parser_steal_root (parser);
}

/**
 * ks_server_http_parse_json_object:
 *
 * Like ks_server_http_parse_json_body(), for the usual case of an object.
 *
 * Returns: (transfer full): the request body's object
 */
JsonObject *
ks_server_http_parse_json_object (SoupServerMessage *msg,
                                  GError           **error)
{
  g_autoptr (JsonNode) root = ks_server_http_parse_json_body (msg, error);

  if (root == NULL)
    return NULL;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, KS_SERVER_ERROR, KS_SERVER_ERROR_BAD_REQUEST,
                           "The request body is not a JSON object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

void
ks_server_http_discard_body (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  soup_message_body_set_accumulate (body, FALSE);
  soup_message_body_truncate (body);
}

static void
reject_too_large (SoupServerMessage *msg,
                  goffset            max_size)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  ks_server_http_discard_body (msg);
  soup_message_headers_replace (headers, "Connection", "close");
  ks_server_http_respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
                                KS_SERVER_HTTP_PAYLOAD_TOO_LARGE,
                                "The request body is larger than %" G_GOFFSET_FORMAT " bytes",
                                max_size);
}

static gboolean
hang_up_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  g_autoptr (GIOStream) stream = NULL;

  /* A stolen message is never "finished": log it now. */
  ks_server_http_log_access (msg, TRUE);
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);

  return G_SOURCE_REMOVE;
}

/* From an idle, not from inside libsoup's read loop that emitted the
 * chunk; the message is paused so nothing more is read meanwhile. */
static void
hang_up (SoupServerMessage *msg,
         BodyLimit         *limit)
{
  g_autoptr (GSource) idle = g_idle_source_new ();
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();

  limit->hung_up = TRUE;
  g_debug ("Hanging up on a request body of more than %" G_GOFFSET_FORMAT " bytes",
           limit->received);

  soup_server_message_pause (msg);
  g_source_set_callback (idle, hang_up_cb, g_object_ref (msg), g_object_unref);
  g_source_attach (idle, context);
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              BodyLimit         *limit)
{
  limit->received += (goffset) g_bytes_get_size (chunk);

  if (limit->received > limit->max_size && soup_server_message_get_status (msg) == 0)
    reject_too_large (msg, limit->max_size);

  if (limit->received > limit->max_size + DRAIN_MAX && !limit->hung_up)
    hang_up (msg, limit);
}

/**
 * ks_server_http_limit_body:
 * @msg: a message whose headers were just read
 * @max_size: the largest body accepted, or -1 for no limit
 *
 * Answers 413 as soon as the body is known to be too large: at once for
 * a Content-Length (or Expect: 100-continue, then the body is not even
 * sent), else when the chunks read pass @max_size. Either way the body
 * is not kept in memory.
 */
void
ks_server_http_limit_body (SoupServerMessage *msg,
                           goffset            max_size)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  BodyLimit          *limit;

  if (max_size < 0)
    return;

  limit = g_new0 (BodyLimit, 1);
  limit->max_size = max_size;
  g_object_set_qdata_full (G_OBJECT (msg), body_limit_quark (), limit, g_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), limit);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > max_size &&
      soup_server_message_get_status (msg) == 0)
    reject_too_large (msg, max_size);
}

static void
wrote_body_data_cb (SoupServerMessage *msg,
                    guint              chunk_size,
                    AccessInfo        *info)
{
  info->bytes += chunk_size;
}

/* Starts the clock and the byte count for the access log. */
void
ks_server_http_track (SoupServerMessage *msg)
{
  AccessInfo *info = g_new0 (AccessInfo, 1);

  info->start_us = g_get_monotonic_time ();
  g_object_set_qdata_full (G_OBJECT (msg), access_info_quark (), info, g_free);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), info);
}

/* Request lines come from the network: keep only printable ASCII so a
 * log line stays one line and cannot fake another. */
static char *
sanitize_for_log (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (out->len >= LOG_PATH_MAX)
        {
          g_string_append (out, "...");
          break;
        }
      g_string_append_c (out, (*p > 0x20 && *p < 0x7f && *p != '"') ? *p : '?');
    }

  return g_string_free (out, FALSE);
}

/* The access log is buffered and written to stderr at most ACCESS_LOG_DELAY_MS
 * after a line, or at once past ACCESS_LOG_BUFFER bytes: a write(2) per
 * request costs a busy server several percent. A crash loses at most the
 * last moment's lines. Lines look like GLib's default log handler's. */
#define ACCESS_LOG_BUFFER 65536
#define ACCESS_LOG_DELAY_MS 100

static GMutex   access_log_mutex;
static GString *access_log_buf;
static gboolean access_log_flush_pending;

static void
access_log_write_locked (void)
{
  gsize done = 0;

  while (access_log_buf != NULL && done < access_log_buf->len)
    {
      gssize n = write (STDERR_FILENO, access_log_buf->str + done, access_log_buf->len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; /* nowhere to log to: drop it */
      done += (gsize) n;
    }
  if (access_log_buf != NULL)
    g_string_truncate (access_log_buf, 0);
}

/**
 * ks_server_http_flush_log:
 *
 * Writes out the buffered access log lines now.
 */
void
ks_server_http_flush_log (void)
{
  g_mutex_lock (&access_log_mutex);
  access_log_write_locked ();
  g_mutex_unlock (&access_log_mutex);
}

static gboolean
access_log_flush_cb (gpointer user_data)
{
  ks_server_http_flush_log ();
  return G_SOURCE_REMOVE;
}

/* Also when the source goes with its main context before it ran. */
static void
access_log_flush_done (gpointer user_data)
{
  g_mutex_lock (&access_log_mutex);
  access_log_flush_pending = FALSE;
  g_mutex_unlock (&access_log_mutex);
}

static void
access_log_append (const char *line)
{
  gint64    now_us = g_get_real_time ();
  time_t    now = (time_t) (now_us / G_USEC_PER_SEC);
  struct tm tm = { 0 };
  gboolean  schedule;

  localtime_r (&now, &tm);

  g_mutex_lock (&access_log_mutex);
  if (access_log_buf == NULL)
    access_log_buf = g_string_sized_new (ACCESS_LOG_BUFFER + 1024);
  g_string_append_printf (access_log_buf, ACCESS_LOG_DOMAIN "-Message: %02d:%02d:%02d.%03d: %s\n",
                          tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (now_us % G_USEC_PER_SEC / 1000), line);
  if (access_log_buf->len >= ACCESS_LOG_BUFFER)
    access_log_write_locked ();
  schedule = access_log_buf->len > 0 && !access_log_flush_pending;
  if (schedule)
    access_log_flush_pending = TRUE;
  g_mutex_unlock (&access_log_mutex);

  if (schedule)
    {
      g_autoptr (GSource) source = g_timeout_source_new (ACCESS_LOG_DELAY_MS);
      g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();

      g_source_set_callback (source, access_log_flush_cb, NULL, access_log_flush_done);
      g_source_attach (source, context);
    }
}

/**
 * ks_server_http_log_access:
 *
 * One line per request: client, method, path, status, body bytes sent,
 * time taken. The path is logged without its query, which may hold
 * signatures or tokens, and headers and bodies are never logged.
 */
void
ks_server_http_log_access (SoupServerMessage *msg,
                           gboolean           aborted)
{
  AccessInfo      *info = g_object_get_qdata (G_OBJECT (msg), access_info_quark ());
  GUri            *uri = soup_server_message_get_uri (msg);
  const char      *method = soup_server_message_get_method (msg);
  const char      *remote = soup_server_message_get_remote_host (msg);
  g_autofree char *safe_method = sanitize_for_log (method != NULL ? method : "-");
  g_autofree char *safe_path = sanitize_for_log (uri != NULL ? g_uri_get_path (uri) : "-");
  g_autofree char *line = NULL;
  double           ms = 0;

  if (info != NULL)
    ms = (double) (g_get_monotonic_time () - info->start_us) / 1000.0;

  line = g_strdup_printf ("%s \"%s %s\" %u %" G_GUINT64_FORMAT " %.1fms%s",
                          remote != NULL ? remote : "-", safe_method, safe_path,
                          soup_server_message_get_status (msg), info != NULL ? info->bytes : 0, ms,
                          aborted ? " aborted" : "");
  access_log_append (line);
}
