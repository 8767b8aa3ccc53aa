/* ks-test-proxy.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "ks-test-cloud.h"
#include "ks-test-proxy.h"

typedef enum
{
  FAULT_STATUS,
  FAULT_DELAY,
  FAULT_TRUNCATE,
  FAULT_BODY,
  FAULT_DROP,
} Fault;

typedef struct
{
  Fault fault;
  char *method; /* nullable: any */
  char *path_prefix;
  guint remaining;
  guint status;
  char *body;        /* nullable */
  char *retry_after; /* nullable */
  guint delay_ms;
  gsize keep_bytes;
} Rule;

typedef struct
{
  char  *method;
  char  *path;
  gint64 time;
} Request;

struct _KsTestProxy
{
  GThread      *thread;
  GMainContext *context; /* the proxy thread's */
  GMainLoop    *loop;
  char         *url;
  guint16       port;

  /* Proxy thread only. */
  GSocketService *service;
  SoupServer     *server;
  SoupSession    *session;
  GList          *forwards; /* Forward, under way */
  gboolean        stopping; /* no more replies */

  GMutex     lock; /* protects what follows */
  GCond      cond;
  gboolean   ready;
  char      *upstream; /* nullable */
  GPtrArray *rules;    /* Rule */
  GArray    *requests; /* Request */
};

/* One request on its way upstream and back. */
typedef struct
{
  KsTestProxy       *proxy;
  SoupServerMessage *msg;      /* owned */
  SoupMessage       *upstream; /* owned */
  GCancellable      *cancellable;
  GSource           *delay; /* owned, nullable */
  GBytes            *body;  /* owned, nullable: upstream's reply */
  Rule               rule;  /* a copy; FAULT_STATUS if none applied */
  gboolean           has_rule;
  gboolean           finished; /* the client went away */
  gulong             finished_id;
} Forward;

static void
rule_clear (Rule *rule)
{
  g_clear_pointer (&rule->method, g_free);
  g_clear_pointer (&rule->path_prefix, g_free);
  g_clear_pointer (&rule->body, g_free);
  g_clear_pointer (&rule->retry_after, g_free);
}

static void
rule_free (Rule *rule)
{
  rule_clear (rule);
  g_free (rule);
}

static void
request_clear (Request *request)
{
  g_free (request->method);
  g_free (request->path);
}

static gboolean
matches (const char *method,
         const char *path_prefix,
         const char *req_method,
         const char *req_path)
{
  return (method == NULL || g_str_equal (method, req_method)) && g_str_has_prefix (req_path, path_prefix);
}

/* Counts the request and takes a copy of the rule that applies, if any. */
static gboolean
take_rule (KsTestProxy *self,
           const char  *method,
           const char  *path,
           Rule        *out)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  Request request = { g_strdup (method), g_strdup (path), g_get_monotonic_time () };

  g_array_append_val (self->requests, request);
  for (guint i = 0; i < self->rules->len; i++)
    {
      Rule *rule = g_ptr_array_index (self->rules, i);

      if (rule->remaining == 0 || !matches (rule->method, rule->path_prefix, method, path))
        continue;
      if (rule->remaining != KS_TEST_PROXY_ALWAYS)
        rule->remaining--;
      *out = *rule;
      out->method = g_strdup (rule->method);
      out->path_prefix = g_strdup (rule->path_prefix);
      out->body = g_strdup (rule->body);
      out->retry_after = g_strdup (rule->retry_after);
      return TRUE;
    }

  return FALSE;
}

static gboolean
is_hop_by_hop (const char *name)
{
  static const char *const names[] = {
    "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE",
    "Trailer", "Transfer-Encoding", "Upgrade", "Expect", NULL
  };

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (name, names[i]) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
copy_headers (SoupMessageHeaders *from,
              SoupMessageHeaders *to,
              gboolean            with_length)
{
  SoupMessageHeadersIter iter;
  const char            *name, *value;

  soup_message_headers_iter_init (&iter, from);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (is_hop_by_hop (name) || (!with_length && g_ascii_strcasecmp (name, "Content-Length") == 0))
        continue;
      soup_message_headers_append (to, name, value);
    }
}

/* ---- Replies ---- */

static void
forward_free (Forward *forward)
{
  KsTestProxy *self = forward->proxy;

  self->forwards = g_list_remove (self->forwards, forward);
  if (forward->delay != NULL)
    {
      g_source_destroy (forward->delay);
      g_source_unref (forward->delay);
    }
  g_clear_signal_handler (&forward->finished_id, forward->msg);
  g_clear_object (&forward->msg);
  g_clear_object (&forward->upstream);
  g_clear_object (&forward->cancellable);
  g_clear_pointer (&forward->body, g_bytes_unref);
  rule_clear (&forward->rule);
  g_free (forward);
}

/* The client gets nothing: its connection is closed. */
static void
drop_connection (SoupServerMessage *msg)
{
  g_autoptr (GIOStream) stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

/* A Content-Length for the whole body, then only part of it. */
static void
send_truncated (Forward *forward)
{
  g_autoptr (GIOStream) stream = soup_server_message_steal_connection (forward->msg);
  gsize            size = forward->body != NULL ? g_bytes_get_size (forward->body) : 0;
  guint            status = soup_message_get_status (forward->upstream);
  const char      *type = soup_message_headers_get_content_type (soup_message_get_response_headers (forward->upstream), NULL);
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
                                           "Connection: close\r\n\r\n",
                                           status, soup_status_get_phrase (status),
                                           type != NULL ? type : "application/json", size);
  GOutputStream   *out;

  if (stream == NULL)
    return;

  out = g_io_stream_get_output_stream (stream);
  if (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL) && size > 0)
    g_output_stream_write_all (out, g_bytes_get_data (forward->body, NULL),
                               MIN (forward->rule.keep_bytes, size), NULL, NULL, NULL);
  g_io_stream_close (stream, NULL, NULL);
}

static void
send_reply (Forward *forward)
{
  SoupServerMessage *msg = forward->msg;
  SoupMessageBody   *body = soup_server_message_get_response_body (msg);

  if (forward->finished || forward->proxy->stopping)
    return;

  if (forward->has_rule && forward->rule.fault == FAULT_TRUNCATE)
    {
      send_truncated (forward);
      return;
    }

  soup_server_message_set_status (msg, soup_message_get_status (forward->upstream),
                                  soup_message_get_reason_phrase (forward->upstream));
  copy_headers (soup_message_get_response_headers (forward->upstream),
                soup_server_message_get_response_headers (msg), FALSE);
  if (forward->has_rule && forward->rule.fault == FAULT_BODY)
    soup_message_body_append (body, SOUP_MEMORY_COPY, forward->rule.body, strlen (forward->rule.body));
  else if (forward->body != NULL && g_bytes_get_size (forward->body) > 0)
    soup_message_body_append_bytes (body, forward->body);
  soup_server_message_unpause (msg);
}

static gboolean
delay_done_cb (gpointer user_data)
{
  Forward *forward = user_data;

  g_clear_pointer (&forward->delay, g_source_unref);
  send_reply (forward);
  forward_free (forward);

  return G_SOURCE_REMOVE;
}

static void
forwarded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Forward *forward = user_data;
  g_autoptr (GError) error = NULL;

  forward->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (forward->body == NULL)
    {
      /* Upstream is down or went away: so does the client's connection. */
      if (!forward->finished && !forward->proxy->stopping)
        drop_connection (forward->msg);
      forward_free (forward);
      return;
    }

  if (forward->has_rule && forward->rule.fault == FAULT_DELAY)
    {
      forward->delay = g_timeout_source_new (forward->rule.delay_ms);
      g_source_set_callback (forward->delay, delay_done_cb, forward, NULL);
      g_source_attach (forward->delay, forward->proxy->context);
      return;
    }

  send_reply (forward);
  forward_free (forward);
}

static void
finished_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  Forward *forward = user_data;

  forward->finished = TRUE;
}

/* ---- Requests ---- */

static void
answer_status (SoupServerMessage *msg,
               const Rule        *rule)
{
  soup_server_message_set_status (msg, rule->status, NULL);
  if (rule->retry_after != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                  rule->retry_after);
  if (rule->body != NULL)
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, rule->body,
                                      strlen (rule->body));
}

static void
forward_request (KsTestProxy       *self,
                 SoupServerMessage *msg,
                 const char        *upstream,
                 Rule              *rule,
                 gboolean           has_rule)
{
  GUri            *uri = soup_server_message_get_uri (msg);
  const char      *query = g_uri_get_query (uri);
  g_autofree char *target = g_strconcat (upstream, g_uri_get_path (uri), query != NULL ? "?" : "",
                                         query != NULL ? query : "", NULL);
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  Forward         *forward = g_new0 (Forward, 1);

  forward->proxy = self;
  forward->msg = g_object_ref (msg);
  forward->cancellable = g_cancellable_new ();
  forward->rule = *rule;
  forward->has_rule = has_rule;
  memset (rule, 0, sizeof *rule);
  forward->upstream = soup_message_new (soup_server_message_get_method (msg), target);
  self->forwards = g_list_prepend (self->forwards, forward);
  forward->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), forward);
  g_assert_nonnull (forward->upstream);

  soup_message_add_flags (forward->upstream, SOUP_MESSAGE_NO_REDIRECT);
  copy_headers (soup_server_message_get_request_headers (msg),
                soup_message_get_request_headers (forward->upstream), TRUE);
  if (request_body->length > 0 ||
      soup_message_headers_get_content_length (soup_server_message_get_request_headers (msg)) > 0)
    {
      g_autoptr (GBytes) bytes = soup_message_body_flatten (request_body);

      soup_message_set_request_body_from_bytes (forward->upstream, NULL, bytes);
    }

  soup_server_message_pause (msg);
  soup_session_send_and_read_async (self->session, forward->upstream, G_PRIORITY_DEFAULT,
                                    forward->cancellable, forwarded_cb, forward);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  KsTestProxy     *self = user_data;
  const char      *method = soup_server_message_get_method (msg);
  const char      *raw_path = g_uri_get_path (soup_server_message_get_uri (msg));
  Rule             rule = { 0 };
  gboolean         has_rule = take_rule (self, method, raw_path, &rule);
  g_autofree char *upstream = NULL;

  g_mutex_lock (&self->lock);
  upstream = g_strdup (self->upstream);
  g_mutex_unlock (&self->lock);

  if (has_rule && rule.fault == FAULT_STATUS)
    answer_status (msg, &rule);
  else if (has_rule && rule.fault == FAULT_DROP)
    drop_connection (msg);
  else if (upstream == NULL)
    soup_server_message_set_status (msg, SOUP_STATUS_BAD_GATEWAY, NULL);
  else
    forward_request (self, msg, upstream, &rule, has_rule);

  rule_clear (&rule);
}

/* ---- The proxy thread ---- */

static void
start_listening (KsTestProxy *self)
{
  self->server = soup_server_new ("server-header", "ks-test-proxy", NULL);
  soup_server_add_handler (self->server, NULL, handler_cb, self, NULL);
  self->service = ks_test_listen_loopback (self->server, &self->port);
  self->url = g_strdup_printf ("http://127.0.0.1:%u", self->port);

  self->session = soup_session_new_with_options ("timeout", 300, "max-conns-per-host", 64,
                                                 "max-conns", 128, NULL);
  soup_session_set_proxy_resolver (self->session, NULL);
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
}

static void
stop_listening (KsTestProxy *self)
{
  /* Let what is under way end here, so nothing outlives the thread. */
  self->stopping = TRUE;
  for (GList *l = self->forwards; l != NULL; l = l->next)
    {
      Forward *forward = l->data;

      g_cancellable_cancel (forward->cancellable);
      if (forward->delay != NULL)
        g_source_set_ready_time (forward->delay, 0);
    }
  soup_session_abort (self->session);
  while (self->forwards != NULL)
    g_main_context_iteration (self->context, TRUE);

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  soup_server_disconnect (self->server);
  g_clear_object (&self->service);
  g_clear_object (&self->server);
  g_clear_object (&self->session);
  while (g_main_context_iteration (self->context, FALSE))
    ;
}

static gpointer
proxy_thread (gpointer data)
{
  KsTestProxy *self = data;

  g_main_context_push_thread_default (self->context);
  start_listening (self);

  g_mutex_lock (&self->lock);
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);
  stop_listening (self);
  g_main_context_pop_thread_default (self->context);

  return NULL;
}

KsTestProxy *
ks_test_proxy_new (const char *upstream)
{
  KsTestProxy *self = g_new0 (KsTestProxy, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_free);
  self->requests = g_array_new (FALSE, TRUE, sizeof (Request));
  g_array_set_clear_func (self->requests, (GDestroyNotify) request_clear);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  ks_test_proxy_set_upstream (self, upstream);

  self->thread = g_thread_new ("ks-test-proxy", proxy_thread, self);
  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  return self;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
ks_test_proxy_free (KsTestProxy *self)
{
  if (self == NULL)
    return;

  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_ptr_array_unref (self->rules);
  g_array_unref (self->requests);
  g_free (self->upstream);
  g_free (self->url);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

void
ks_test_proxy_set_upstream (KsTestProxy *self,
                            const char  *upstream)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_free (self->upstream);
  self->upstream = g_strdup (upstream);
  while (self->upstream != NULL && g_str_has_suffix (self->upstream, "/"))
    self->upstream[strlen (self->upstream) - 1] = '\0';
}

const char *
ks_test_proxy_get_url (KsTestProxy *self)
{
  return self->url;
}

guint16
ks_test_proxy_get_port (KsTestProxy *self)
{
  return self->port;
}

/* ---- Rules and counts ---- */

static Rule *
add_rule (KsTestProxy *self,
          Fault        fault,
          const char  *method,
          const char  *path_prefix,
          guint        count)
{
  Rule *rule = g_new0 (Rule, 1);

  g_assert_nonnull (path_prefix);

  rule->fault = fault;
  rule->method = g_strdup (method);
  rule->path_prefix = g_strdup (path_prefix);
  rule->remaining = count;
  return rule;
}

static void
commit_rule (KsTestProxy *self,
             Rule        *rule)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_ptr_array_add (self->rules, rule);
}

void
ks_test_proxy_add_status (KsTestProxy *self,
                          const char  *method,
                          const char  *path_prefix,
                          guint        count,
                          guint        status,
                          const char  *body,
                          const char  *retry_after)
{
  Rule *rule = add_rule (self, FAULT_STATUS, method, path_prefix, count);

  rule->status = status;
  rule->body = g_strdup (body);
  rule->retry_after = g_strdup (retry_after);
  commit_rule (self, rule);
}

void
ks_test_proxy_add_delay (KsTestProxy *self,
                         const char  *method,
                         const char  *path_prefix,
                         guint        count,
                         guint        delay_ms)
{
  Rule *rule = add_rule (self, FAULT_DELAY, method, path_prefix, count);

  rule->delay_ms = delay_ms;
  commit_rule (self, rule);
}

void
ks_test_proxy_add_truncate (KsTestProxy *self,
                            const char  *method,
                            const char  *path_prefix,
                            guint        count,
                            gsize        keep_bytes)
{
  Rule *rule = add_rule (self, FAULT_TRUNCATE, method, path_prefix, count);

  rule->keep_bytes = keep_bytes;
  commit_rule (self, rule);
}

void
ks_test_proxy_add_body (KsTestProxy *self,
                        const char  *method,
                        const char  *path_prefix,
                        guint        count,
                        const char  *body)
{
  Rule *rule = add_rule (self, FAULT_BODY, method, path_prefix, count);

  g_assert_nonnull (body);
  rule->body = g_strdup (body);
  commit_rule (self, rule);
}

void
ks_test_proxy_add_drop (KsTestProxy *self,
                        const char  *method,
                        const char  *path_prefix,
                        guint        count)
{
  commit_rule (self, add_rule (self, FAULT_DROP, method, path_prefix, count));
}

void
ks_test_proxy_clear_rules (KsTestProxy *self)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_ptr_array_set_size (self->rules, 0);
}

guint
ks_test_proxy_count (KsTestProxy *self,
                     const char  *method,
                     const char  *path_prefix)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  guint count = 0;

  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = &g_array_index (self->requests, Request, i);

      count += matches (method, path_prefix, request->method, request->path);
    }

  return count;
}

gint64
ks_test_proxy_request_time (KsTestProxy *self,
                            const char  *method,
                            const char  *path_prefix,
                            guint        index)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  for (guint i = 0; i < self->requests->len; i++)
    {
      Request *request = &g_array_index (self->requests, Request, i);

      if (matches (method, path_prefix, request->method, request->path) && index-- == 0)
        return request->time;
    }

  return -1;
}

void
ks_test_proxy_reset_counts (KsTestProxy *self)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_array_set_size (self->requests, 0);
}
