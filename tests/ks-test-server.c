/* ks-test-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE /* prlimit */

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <glib/gstdio.h>

#include "ks-test-server.h"

#define LISTENING_PREFIX "keepsake-server listening on "
#define START_TIMEOUT_S 20
#define EXIT_TIMEOUT_S 20

/* Drains one pipe of the child on a thread of its own: the test blocks
 * in synchronous HTTP calls while the server keeps logging. */
typedef struct
{
  GInputStream *stream;
  GThread      *thread;
  GMutex        mutex;
  GCond         cond;
  GString      *data;
  gboolean      eof;
} PipeReader;

struct _KsTestServer
{
  char        *root; /* nullable: temp dir we own and remove */
  char        *data_dir;
  char        *listen;
  GPtrArray   *args;
  GPtrArray   *env;      /* "NAME=value", for the launcher */
  GSubprocess *process;  /* nullable: not running */
  PipeReader  *out;      /* nullable */
  PipeReader  *err;      /* nullable */
  GString     *old_logs; /* stderr of earlier runs */
  char        *base_url; /* nullable */
  guint16      port;
  SoupSession *session; /* nullable */
};

static gpointer
pipe_reader_thread (gpointer user_data)
{
  PipeReader *reader = user_data;
  char        buf[4096];
  gssize      n;

  do
    {
      n = g_input_stream_read (reader->stream, buf, sizeof buf, NULL, NULL);
      g_mutex_lock (&reader->mutex);
      if (n > 0)
        g_string_append_len (reader->data, buf, n);
      else
        reader->eof = TRUE;
      g_cond_broadcast (&reader->cond);
      g_mutex_unlock (&reader->mutex);
    }
  while (n > 0);

  return NULL;
}

static PipeReader *
pipe_reader_new (GInputStream *stream)
{
  PipeReader *reader = g_new0 (PipeReader, 1);

  reader->stream = g_object_ref (stream);
  reader->data = g_string_new (NULL);
  g_mutex_init (&reader->mutex);
  g_cond_init (&reader->cond);
  reader->thread = g_thread_new ("ks-test-pipe", pipe_reader_thread, reader);

  return reader;
}

/* Only once the process is gone, so the pipe is at its end. */
static char *
pipe_reader_finish (PipeReader *reader)
{
  char *data;

  g_thread_join (reader->thread);
  g_object_unref (reader->stream);
  g_mutex_clear (&reader->mutex);
  g_cond_clear (&reader->cond);
  data = g_string_free (reader->data, FALSE);
  g_free (reader);

  return data;
}

static char *
pipe_reader_dup (PipeReader *reader)
{
  char *copy;

  g_mutex_lock (&reader->mutex);
  copy = g_strndup (reader->data->str, reader->data->len);
  g_mutex_unlock (&reader->mutex);

  return copy;
}

/* Waits until the data contains @needle or the pipe ends. */
static gboolean
pipe_reader_wait_for (PipeReader *reader,
                      const char *needle,
                      gint64      timeout_us)
{
  gint64   deadline = g_get_monotonic_time () + timeout_us;
  gboolean found;

  g_mutex_lock (&reader->mutex);
  while (!(found = strstr (reader->data->str, needle) != NULL) && !reader->eof)
    {
      if (!g_cond_wait_until (&reader->cond, &reader->mutex, deadline))
        {
          found = strstr (reader->data->str, needle) != NULL;
          break;
        }
    }
  g_mutex_unlock (&reader->mutex);

  return found;
}

static void
child_setup_cb (gpointer user_data)
{
  /* Should the test crash, the server goes with it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static const char *
server_binary (void)
{
  const char *binary = g_getenv ("KS_SERVER_BINARY");

  if (binary == NULL)
    g_error ("KS_SERVER_BINARY is not set; run the tests through meson test");

  return binary;
}

static GSubprocess *
spawn (KsTestServer *self,
       const char   *command,
       GError      **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) server_binary ());
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  g_ptr_array_add (argv, (gpointer) "--listen");
  g_ptr_array_add (argv, self->listen);
  for (guint i = 0; i < self->args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (self->args, i));
  if (command != NULL)
    g_ptr_array_add (argv, (gpointer) command);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup_cb, NULL, NULL);
  for (guint i = 0; i < self->env->len; i++)
    {
      const char      *setting = g_ptr_array_index (self->env, i);
      g_autofree char *name = g_strndup (setting, strchr (setting, '=') - setting);

      g_subprocess_launcher_setenv (launcher, name, strchr (setting, '=') + 1, TRUE);
    }

  return g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, error);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Returns FALSE if it had to be killed after @timeout_s. */
static gboolean
wait_for_exit (GSubprocess *process,
               guint        timeout_s)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (timeout_s);
  gboolean done = FALSE;
  gboolean timed_out = FALSE;

  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (process, NULL, wait_cb, &done);
  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!done && !timed_out)
    g_main_context_iteration (context, TRUE);
  if (!done)
    g_subprocess_force_exit (process);
  while (!done)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  return !timed_out;
}

/* Exit status, or -1 for a signal or a timeout. */
static int
exit_status (GSubprocess *process,
             gboolean     in_time)
{
  if (!in_time || !g_subprocess_get_if_exited (process))
    return -1;

  return g_subprocess_get_exit_status (process);
}

/* After the process is gone: keep its stderr, forget the rest. */
static void
reap (KsTestServer *self)
{
  g_autofree char *out = pipe_reader_finish (g_steal_pointer (&self->out));
  g_autofree char *err = pipe_reader_finish (g_steal_pointer (&self->err));

  g_string_append (self->old_logs, err);
  g_clear_object (&self->process);
  g_clear_pointer (&self->base_url, g_free);
  if (self->session != NULL)
    soup_session_abort (self->session);
}

static KsTestServer *
test_server_new (char *root,
                 char *data_dir)
{
  KsTestServer *self = g_new0 (KsTestServer, 1);

  self->root = root;
  self->data_dir = data_dir;
  self->listen = g_strdup ("127.0.0.1:0");
  self->args = g_ptr_array_new_with_free_func (g_free);
  self->env = g_ptr_array_new_with_free_func (g_free);
  self->old_logs = g_string_new (NULL);
  /* Off EC2 its metadata service is not on loopback: a server without
   * keys must not look for it there. Tests of it turn it back on. */
  ks_test_server_setenv (self, "AWS_EC2_METADATA_DISABLED", "true");

  return self;
}

/* The data directory does not exist yet: the first start creates it. */
KsTestServer *
ks_test_server_new (void)
{
  g_autoptr (GError) error = NULL;
  char *root = g_dir_make_tmp ("ks-test-server-XXXXXX", &error);

  g_assert_no_error (error);
  return test_server_new (root, g_build_filename (root, "data", NULL));
}

/* A data directory the caller owns and keeps. */
KsTestServer *
ks_test_server_new_for_data_dir (const char *data_dir)
{
  return test_server_new (NULL, g_strdup (data_dir));
}

char *
ks_test_js_path (const char *name)
{
  const char *source_dir = g_getenv ("KS_SOURCE_DIR");

  g_assert_nonnull (source_dir);
  return g_build_filename (source_dir, "tests", "js", name, NULL);
}

gboolean
ks_test_js_peer_ready (const char *const *modules)
{
  g_autofree char *node = g_find_program_in_path ("node");

  if (node == NULL)
    {
      g_test_fail_printf ("node is not in PATH: the peer tests need Node.js 20 or later");
      return FALSE;
    }
  for (guint i = 0; modules[i] != NULL; i++)
    {
      g_autofree char *package = g_build_filename ("node_modules", modules[i], "package.json", NULL);
      g_autofree char *path = ks_test_js_path (package);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_test_fail_printf ("%s is missing: run `npm ci --prefix tests/js` first", modules[i]);
          return FALSE;
        }
    }

  return TRUE;
}

/* rm -rf, for temporary directories of tests. */
void
ks_test_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        ks_test_remove_tree (child);
      else
        g_remove (child);
    }

  g_chmod (path, 0700);
  g_remove (path);
}

void
ks_test_server_free (KsTestServer *self)
{
  if (self == NULL)
    return;

  if (self->process != NULL)
    ks_test_server_kill (self);
  if (g_test_failed () && self->old_logs->len > 0)
    g_printerr ("--- keepsake-server log (%s) ---\n%s---\n", self->data_dir, self->old_logs->str);
  if (self->root != NULL)
    ks_test_remove_tree (self->root);

  g_clear_object (&self->session);
  g_string_free (self->old_logs, TRUE);
  g_ptr_array_unref (self->args);
  g_ptr_array_unref (self->env);
  g_free (self->listen);
  g_free (self->data_dir);
  g_free (self->root);
  g_free (self);
}

/* Sets @name in the environment of the server started next. */
void
ks_test_server_setenv (KsTestServer *self,
                       const char   *name,
                       const char   *value)
{
  g_ptr_array_add (self->env, g_strconcat (name, "=", value, NULL));
}

void
ks_test_server_add_args (KsTestServer *self,
                         const char   *first_arg,
                         ...)
{
  va_list args;

  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (self->args, g_strdup (arg));
  va_end (args);
}

/* "127.0.0.1:0" unless set. */
void
ks_test_server_set_listen (KsTestServer *self,
                           const char   *host_port)
{
  g_free (self->listen);
  self->listen = g_strdup (host_port);
}

static gboolean
parse_listening_line (KsTestServer *self,
                      const char   *out)
{
  const char      *newline = strchr (out, '\n');
  g_autofree char *url = NULL;
  g_autoptr (GUri) uri = NULL;

  if (!g_str_has_prefix (out, LISTENING_PREFIX) || newline == NULL)
    return FALSE;

  url = g_strndup (out + strlen (LISTENING_PREFIX), newline - out - strlen (LISTENING_PREFIX));
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_port (uri) <= 0)
    return FALSE;

  self->base_url = g_steal_pointer (&url);
  self->port = (guint16) g_uri_get_port (uri);
  return TRUE;
}

/**
 * ks_test_server_try_start:
 *
 * Starts the server and waits for its "listening" line. On failure the
 * error holds what it printed on stderr.
 */
gboolean
ks_test_server_try_start (KsTestServer *self,
                          GError      **error)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_null (self->process);

  self->process = spawn (self, NULL, error);
  if (self->process == NULL)
    return FALSE;

  self->out = pipe_reader_new (g_subprocess_get_stdout_pipe (self->process));
  self->err = pipe_reader_new (g_subprocess_get_stderr_pipe (self->process));
  pipe_reader_wait_for (self->out, "\n", START_TIMEOUT_S * G_USEC_PER_SEC);

  out = pipe_reader_dup (self->out);
  if (parse_listening_line (self, out))
    return TRUE;

  g_subprocess_force_exit (self->process);
  wait_for_exit (self->process, EXIT_TIMEOUT_S);
  err = pipe_reader_dup (self->err);
  reap (self);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "keepsake-server did not start; stdout: %s; stderr: %s", out, err);
  return FALSE;
}

void
ks_test_server_start (KsTestServer *self)
{
  g_autoptr (GError) error = NULL;

  ks_test_server_try_start (self, &error);
  g_assert_no_error (error);
}

/* Sends @signum and waits; returns the exit status, -1 for a signal. */
int
ks_test_server_stop_with_signal (KsTestServer *self,
                                 int           signum)
{
  gboolean in_time;
  int      status;

  g_assert_nonnull (self->process);

  g_subprocess_send_signal (self->process, signum);
  in_time = wait_for_exit (self->process, EXIT_TIMEOUT_S);
  status = exit_status (self->process, in_time);
  reap (self);

  return status;
}

/* SIGTERM; asserts a clean exit (status 0). */
void
ks_test_server_stop (KsTestServer *self)
{
  int status = ks_test_server_stop_with_signal (self, SIGTERM);

  if (status != 0)
    g_printerr ("--- keepsake-server log (%s) ---\n%s---\n", self->data_dir, self->old_logs->str);
  g_assert_cmpint (status, ==, 0);
}

/* SIGKILL, for crash tests. */
void
ks_test_server_kill (KsTestServer *self)
{
  g_assert_cmpint (ks_test_server_stop_with_signal (self, SIGKILL), ==, -1);
}

/* Stops cleanly and starts again on the same port and data dir. */
void
ks_test_server_restart (KsTestServer *self)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", self->port);

  if (self->process != NULL)
    ks_test_server_stop (self);
  if (g_str_equal (self->listen, "127.0.0.1:0"))
    ks_test_server_set_listen (self, listen);
  ks_test_server_start (self);
}

gboolean
ks_test_server_is_running (KsTestServer *self)
{
  return self->process != NULL;
}

int
ks_test_server_run (KsTestServer *self,
                    const char   *command,
                    char        **out_stdout,
                    char        **out_stderr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = spawn (self, command, &error);
  PipeReader      *out;
  PipeReader      *err;
  gboolean         in_time;
  g_autofree char *out_text = NULL;
  g_autofree char *err_text = NULL;

  g_assert_no_error (error);
  out = pipe_reader_new (g_subprocess_get_stdout_pipe (process));
  err = pipe_reader_new (g_subprocess_get_stderr_pipe (process));
  in_time = wait_for_exit (process, START_TIMEOUT_S);
  out_text = pipe_reader_finish (out);
  err_text = pipe_reader_finish (err);

  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&out_text);
  if (out_stderr != NULL)
    *out_stderr = g_steal_pointer (&err_text);

  return exit_status (process, in_time);
}

/* A refused start (or @command): exit status 1 and one line on stderr,
 * "keepsake-server: …", saying @why. */
void
ks_test_server_assert_refuses (KsTestServer *self,
                               const char   *command,
                               const char   *why)
{
  g_autofree char *err = NULL;
  int              status = ks_test_server_run (self, command, NULL, &err);

  g_test_message ("stderr: %s", err);
  g_assert_cmpint (status, ==, 1);
  g_assert_true (g_str_has_prefix (err, "keepsake-server: "));
  g_assert_nonnull (strstr (err, why));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

const char *
ks_test_server_get_base_url (KsTestServer *self)
{
  g_assert_nonnull (self->base_url);
  return self->base_url;
}

guint16
ks_test_server_get_port (KsTestServer *self)
{
  return self->port;
}

const char *
ks_test_server_get_data_dir (KsTestServer *self)
{
  return self->data_dir;
}

/* A file in the data directory, e.g. "keepsake.db". */
char *
ks_test_server_dup_data_path (KsTestServer *self,
                              const char   *name)
{
  return g_build_filename (self->data_dir, name, NULL);
}

/* Open file descriptors of the running server (Linux), for leak tests. */
guint
ks_test_server_count_open_files (KsTestServer *self)
{
  g_autofree char *path = NULL;
  g_autoptr (GDir) dir = NULL;
  guint count = 0;

  g_assert_nonnull (self->process);
  path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (self->process));
  dir = g_dir_open (path, 0, NULL);
  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;

  return count;
}

void
ks_test_server_set_file_size_limit (KsTestServer *self,
                                    guint64       bytes)
{
  struct rlimit limit = { 0 };
  pid_t         pid;

  g_assert_nonnull (self->process);
  pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (self->process), NULL, 10);
  g_assert_cmpint (prlimit (pid, RLIMIT_FSIZE, NULL, &limit), ==, 0);
  limit.rlim_cur = bytes == 0 ? limit.rlim_max : (rlim_t) bytes;
  g_assert_cmpint (prlimit (pid, RLIMIT_FSIZE, &limit, NULL), ==, 0);
}

/* Everything the server printed on stderr so far, over all runs. */
char *
ks_test_server_dup_log (KsTestServer *self)
{
  g_autofree char *current = self->err != NULL ? pipe_reader_dup (self->err) : NULL;

  return g_strconcat (self->old_logs->str, current, NULL);
}

/* The access log line is written after the response went out, so a test
 * that just got its response may have to wait for it. */
gboolean
ks_test_server_wait_for_log (KsTestServer *self,
                             const char   *needle,
                             guint         timeout_ms)
{
  if (strstr (self->old_logs->str, needle) != NULL)
    return TRUE;
  if (self->err == NULL)
    return FALSE;

  return pipe_reader_wait_for (self->err, needle, (gint64) timeout_ms * 1000);
}

SoupMessage *
ks_test_server_new_message (KsTestServer *self,
                            const char   *method,
                            const char   *path)
{
  g_autofree char *url = g_strconcat (ks_test_server_get_base_url (self), path, NULL);
  SoupMessage     *msg = soup_message_new (method, url);

  g_assert_nonnull (msg);
  return msg;
}

/* Asserts the exchange worked at the HTTP level; any status is fine. */
GBytes *
ks_test_server_send (KsTestServer *self,
                     SoupMessage  *msg)
{
  g_autoptr (GError) error = NULL;
  GBytes *body;

  if (self->session == NULL)
    {
      self->session = soup_session_new_with_options ("timeout", 30, NULL);
      /* 127.0.0.1 only, and the default resolver wants GSettings. */
      soup_session_set_proxy_resolver (self->session, NULL);
    }

  body = soup_session_send_and_read (self->session, msg, NULL, &error);
  g_assert_no_error (error);

  return body;
}

JsonNode *
ks_test_server_get_json (KsTestServer *self,
                         const char   *path,
                         guint        *out_status)
{
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (self, SOUP_METHOD_GET, path);
  g_autoptr (GBytes) body = ks_test_server_send (self, msg);

  if (out_status != NULL)
    *out_status = soup_message_get_status (msg);

  return ks_test_parse_json (body);
}

GIOStream *
ks_test_server_connect_raw (KsTestServer *self)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_timeout (client, 20);
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", self->port, NULL, &error);
  g_assert_no_error (error);

  return G_IO_STREAM (connection);
}

void
ks_test_raw_write (GIOStream  *stream,
                   const char *text)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), text, strlen (text),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Reads until @end shows up or the connection ends; returns it all. */
char *
ks_test_raw_read_until (GIOStream  *stream,
                        const char *end)
{
  GString *data = g_string_new (NULL);
  char     buf[1024];
  gssize   n;

  while (strstr (data->str, end) == NULL &&
         (n = g_input_stream_read (g_io_stream_get_input_stream (stream), buf, sizeof buf,
                                   NULL, NULL)) > 0)
    g_string_append_len (data, buf, n);

  return g_string_free (data, FALSE);
}

JsonNode *
ks_test_parse_json (GBytes *bytes)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  gsize       len = 0;
  const char *data = g_bytes_get_data (bytes, &len);

  json_parser_load_from_data (parser, data, (gssize) len, &error);
  g_assert_no_error (error);

  return json_parser_steal_root (parser);
}

/* Asserts "a.b.c" leads through objects to a string, and returns it. */
static JsonNode *
json_get_value (JsonNode   *root,
                const char *path,
                GType       type)
{
  g_auto (GStrv) names = g_strsplit (path, ".", -1);
  JsonNode *node = root;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      node = json_object_get_member (json_node_get_object (node), names[i]);
      g_assert_nonnull (node);
    }

  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpint (json_node_get_value_type (node), ==, type);
  return node;
}

const char *
ks_test_json_get_string (JsonNode   *root,
                         const char *path)
{
  return json_node_get_string (json_get_value (root, path, G_TYPE_STRING));
}

gint64
ks_test_json_get_int (JsonNode   *root,
                      const char *path)
{
  return json_node_get_int (json_get_value (root, path, G_TYPE_INT64));
}

gboolean
ks_test_json_get_boolean (JsonNode   *root,
                          const char *path)
{
  return json_node_get_boolean (json_get_value (root, path, G_TYPE_BOOLEAN));
}

/* ---- Loopback HTTP services of the tests' own ---- */

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  if (local != NULL && remote != NULL)
    soup_server_accept_iostream (user_data, G_IO_STREAM (connection), local, remote, NULL);
  return TRUE;
}

/* A SoupServer with no listener of its own closes each connection after
 * one answer, without saying so: a client would send its next request
 * on it and lose it. Saying so makes every client open a new one. */
static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

GSocketService *
ks_test_listen_loopback (SoupServer *server,
                         guint16    *out_port)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;
  GSocketService *service = g_socket_service_new ();

  g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), server);
  g_signal_connect (server, "request-started", G_CALLBACK (request_started_cb), NULL);
  g_socket_service_start (service);
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return service;
}

struct _KsTestHttp
{
  GMainContext     *context;
  GMainLoop        *loop;
  GThread          *thread;
  SoupServer       *soup;
  GSocketService   *service;
  char             *url;
  KsTestHttpHandler handler;
  gpointer          user_data;
};

static void
http_cb (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  KsTestHttp *self = user_data;

  self->handler (msg, path, self->user_data);
}

static gpointer
http_thread (gpointer user_data)
{
  KsTestHttp *self = user_data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  /* Its connections end here, so nothing outlives the thread. */
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  soup_server_disconnect (self->soup);
  g_clear_object (&self->service);
  g_clear_object (&self->soup);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

KsTestHttp *
ks_test_http_new (KsTestHttpHandler handler,
                  gpointer          user_data)
{
  KsTestHttp *self = g_new0 (KsTestHttp, 1);
  guint16     port = 0;

  self->handler = handler;
  self->user_data = user_data;
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);

  g_main_context_push_thread_default (self->context);
  self->soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->soup, NULL, http_cb, self, NULL);
  self->service = ks_test_listen_loopback (self->soup, &port);
  g_main_context_pop_thread_default (self->context);
  self->url = g_strdup_printf ("http://127.0.0.1:%u", port);

  self->thread = g_thread_new ("test-http", http_thread, self);
  return self;
}

const char *
ks_test_http_get_url (KsTestHttp *self)
{
  return self->url;
}

static gboolean
quit_loop_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

void
ks_test_http_free (KsTestHttp *self)
{
  if (self == NULL)
    return;

  g_main_context_invoke (self->context, quit_loop_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_free (self->url);
  g_free (self);
}
