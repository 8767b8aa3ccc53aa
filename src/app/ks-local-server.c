/* ks-local-server.c: the keepsake-server the app runs for "This computer"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include <glib/gi18n.h>

#include "ks-code-file.h"
#include "ks-local-server.h"

#define LISTENING_PREFIX "keepsake-server listening on "
#define START_TIMEOUT_S 30
#define STOP_TIMEOUT_MS 5000
/* A server that stops on its own is started again on the same address,
 * after 0.5 s, doubling up to 30 s while it keeps stopping within a
 * minute of starting. */
#define RESTART_DELAY_MIN_MS 500
#define RESTART_DELAY_MAX_MS 30000
#define RESTART_STABLE_US (60 * G_USEC_PER_SEC)

struct _KsLocalServer
{
  GObject parent_instance;

  GSubprocess      *process; /* nullable */
  GDataInputStream *stdout_stream;
  GDataInputStream *stderr_stream;
  char             *last_complaint; /* nullable: its last line on stderr */
  gboolean          stdout_closed;
  gboolean          stderr_closed;
  char             *url;        /* nullable until listening; kept across restarts */
  GTask            *start_task; /* nullable, while starting */
  guint             timeout_id;
  GCancellable     *watch; /* nullable: the wait for the process to exit */
  guint             restart_id;
  guint             restart_delay_ms;
  gint64            listening_since; /* µs, monotonic; 0 until listening */
};

G_DEFINE_FINAL_TYPE (KsLocalServer, ks_local_server, G_TYPE_OBJECT)

static void
ks_local_server_dispose (GObject *object)
{
  KsLocalServer *self = KS_LOCAL_SERVER (object);

  ks_local_server_stop (self);
  g_clear_object (&self->stdout_stream);
  g_clear_object (&self->stderr_stream);
  g_clear_pointer (&self->last_complaint, g_free);
  g_clear_pointer (&self->url, g_free);

  G_OBJECT_CLASS (ks_local_server_parent_class)->dispose (object);
}

static void
ks_local_server_class_init (KsLocalServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ks_local_server_dispose;
}

static void
ks_local_server_init (KsLocalServer *self)
{
  self->restart_delay_ms = RESTART_DELAY_MIN_MS;
}

KsLocalServer *
ks_local_server_new (void)
{
  return g_object_new (KS_TYPE_LOCAL_SERVER, NULL);
}

static gboolean
running_from_build_tree (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  return exe != NULL && g_str_has_prefix (exe, KS_BUILD_ROOT "/");
}

char *
ks_local_server_find_binary (void)
{
  const char *override = g_getenv ("KEEPSAKE_SERVER");

  if (override != NULL && *override != '\0')
    return g_strdup (override);
  if (running_from_build_tree () && g_file_test (KS_BUILD_SERVER, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (KS_BUILD_SERVER);
  return g_build_filename (KS_BINDIR, "keepsake-server", NULL);
}

const char *
ks_local_server_get_url (KsLocalServer *self)
{
  g_return_val_if_fail (KS_IS_LOCAL_SERVER (self), NULL);

  return self->url;
}

/* Runs in the child between fork and exec: the server goes with the app
 * even when the app is killed and cannot stop it. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
finish_start (KsLocalServer *self,
              GError        *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&self->start_task);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (task == NULL)
    return;
  if (error != NULL)
    {
      ks_local_server_stop (self);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, g_strdup (self->url), g_free);
}

static void read_line_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

static void
read_next_line (KsLocalServer *self)
{
  g_data_input_stream_read_line_async (self->stdout_stream, G_PRIORITY_DEFAULT, NULL,
                                       read_line_cb, g_object_ref (self));
}

/* A start that ends before "listening" fails with what the server said
 * last on stderr (a damaged database, a port in use...), once both of
 * its outputs are closed. */
static void
maybe_fail_start (KsLocalServer *self)
{
  g_autofree char *why = NULL;

  if (self->start_task == NULL || !self->stdout_closed || !self->stderr_closed)
    return;
  if (self->last_complaint == NULL)
    {
      finish_start (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                               _ ("The photo server on this computer stopped while "
                                                  "starting. Its messages are in the system journal.")));
      return;
    }
  why = g_strdup (g_str_has_prefix (self->last_complaint, "keepsake-server: ")
                      ? self->last_complaint + strlen ("keepsake-server: ")
                      : self->last_complaint);
  /* Translators: %s is the server's own message, in English */
  finish_start (self, g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                                   _ ("The photo server on this computer stopped while starting: %s"), why));
}

static void read_stderr_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data);

static void
read_next_stderr_line (KsLocalServer *self)
{
  g_data_input_stream_read_line_async (self->stderr_stream, G_PRIORITY_DEFAULT, NULL, read_stderr_cb,
                                       g_object_ref (self));
}

/* Passed on to the app's own stderr (the system journal), the last
 * line kept. */
static void
read_stderr_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KsLocalServer) self = user_data;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (G_DATA_INPUT_STREAM (source) != self->stderr_stream)
    return;
  if (line == NULL)
    {
      self->stderr_closed = TRUE;
      maybe_fail_start (self);
      return;
    }
  g_printerr ("%s\n", line);
  if (*g_strstrip (line) != '\0')
    {
      g_free (self->last_complaint);
      self->last_complaint = g_steal_pointer (&line);
    }
  read_next_stderr_line (self);
}

/* Both outputs of a process just started. */
static void
read_outputs (KsLocalServer *self)
{
  self->stdout_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  self->stderr_stream = g_data_input_stream_new (g_subprocess_get_stderr_pipe (self->process));
  self->stdout_closed = FALSE;
  self->stderr_closed = FALSE;
  g_clear_pointer (&self->last_complaint, g_free);
  read_next_line (self);
  read_next_stderr_line (self);
}

/* Reads until the "listening" line, then keeps draining stdout so the
 * child never blocks on a full pipe. */
static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (KsLocalServer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                    NULL, &error);
  /* A process that stopped: its replacement has a stream of its own. */
  if (G_DATA_INPUT_STREAM (source) != self->stdout_stream)
    return;
  if (line == NULL)
    {
      if (error != NULL)
        g_debug ("Reading the server's output: %s", error->message);
      self->stdout_closed = TRUE;
      maybe_fail_start (self);
      return;
    }

  if (self->listening_since == 0 && g_str_has_prefix (line, LISTENING_PREFIX))
    {
      self->listening_since = g_get_monotonic_time ();
      if (self->url == NULL)
        {
          self->url = g_strstrip (g_strdup (line + strlen (LISTENING_PREFIX)));
          g_debug ("Local server listening on %s", self->url);
          finish_start (self, NULL);
        }
      else
        g_message ("The photo server on this computer is running again, on %s", self->url);
    }

  if (self->stdout_stream != NULL)
    read_next_line (self);
}

static gboolean
start_timeout_cb (gpointer user_data)
{
  KsLocalServer *self = user_data;

  self->timeout_id = 0;
  finish_start (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                           _ ("The photo server on this computer did not "
                                              "start in time.")));
  return G_SOURCE_REMOVE;
}

static char *
dup_data_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "keepsake", "server", NULL);
}

char *
ks_local_server_read_code (const char *purpose,
                           const char *username)
{
  g_autofree char *data_path = dup_data_path ();
  g_autofree char *path = ks_code_file_path (data_path, purpose, username);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    {
      g_debug ("No code for “%s”: %s", username, error->message);
      return NULL;
    }
  g_strstrip (contents);
  return *contents != '\0' ? g_steal_pointer (&contents) : NULL;
}

/* @listen: "127.0.0.1:0" for any free port, or the one it had. */
static GSubprocess *
spawn_server (const char *listen,
              GError    **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *binary = ks_local_server_find_binary ();
  g_autofree char *data_dir = dup_data_path ();
  GSubprocess     *process;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  g_debug ("Starting %s --data-dir %s", binary, data_dir);
  /* Nobody reads e-mail on the embedded server: accounts are confirmed
   * at once and need no address; a forgotten password's code is read
   * from its data (ks_local_server_read_code()). */
  process = g_subprocess_launcher_spawn (launcher, &local_error, binary,
                                         "--data-dir", data_dir,
                                         "--listen", listen,
                                         "--auto-confirm", NULL);
  if (process == NULL)
    {
      g_debug ("Could not start %s: %s", binary, local_error->message);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _ ("The photo server could not be started (%s). Is Keepsake fully "
                      "installed?"),
                   binary);
    }
  return process;
}

static void     watch_process (KsLocalServer *self);
static gboolean restart_cb (gpointer user_data);

/* In the current delay, which doubles for the next time. */
static guint
schedule_restart (KsLocalServer *self)
{
  guint delay_ms = self->restart_delay_ms;

  self->restart_delay_ms = MIN (delay_ms * 2, RESTART_DELAY_MAX_MS);
  self->restart_id = g_timeout_add (delay_ms, restart_cb, self);
  return delay_ms;
}

static gboolean
restart_cb (gpointer user_data)
{
  KsLocalServer *self = user_data;
  g_autoptr (GUri) uri = g_uri_parse (self->url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%d", uri != NULL ? g_uri_get_port (uri) : 0);
  g_autoptr (GError) error = NULL;

  self->restart_id = 0;
  self->process = spawn_server (listen, &error);
  if (self->process == NULL)
    {
      g_message ("%s", error->message);
      schedule_restart (self);
      return G_SOURCE_REMOVE;
    }
  self->listening_since = 0;
  read_outputs (self);
  watch_process (self);
  return G_SOURCE_REMOVE;
}

/* The process stopped without being asked to (a crash, the OOM killer,
 * someone's kill): the app's clients keep its address, so a new one
 * there is all they need. */
static void
process_exited_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GSubprocess   *process = G_SUBPROCESS (source);
  KsLocalServer *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *how = NULL;

  /* Cancelled by ks_local_server_stop(): @self may be gone. */
  if (!g_subprocess_wait_finish (process, result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* While starting, the start reports it (its output ends). */
  if (process != self->process || self->start_task != NULL)
    return;

  g_clear_object (&self->watch);
  if (self->listening_since != 0 && g_get_monotonic_time () - self->listening_since > RESTART_STABLE_US)
    self->restart_delay_ms = RESTART_DELAY_MIN_MS;
  how = g_subprocess_get_if_signaled (process)
            ? g_strdup_printf ("killed by signal %d", g_subprocess_get_term_sig (process))
            : g_strdup_printf ("exit status %d", g_subprocess_get_exit_status (process));
  g_clear_object (&self->process);
  g_clear_object (&self->stdout_stream);
  g_clear_object (&self->stderr_stream);
  self->listening_since = 0;
  g_message ("The photo server on this computer stopped (%s); starting it again in %.1f s", how,
             schedule_restart (self) / 1000.0);
}

static void
watch_process (KsLocalServer *self)
{
  g_clear_object (&self->watch);
  self->watch = g_cancellable_new ();
  g_subprocess_wait_async (self->process, self->watch, process_exited_cb, self);
}

void
ks_local_server_start_async (KsLocalServer      *self,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (KS_IS_LOCAL_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_local_server_start_async);

  if (self->url != NULL)
    {
      g_task_return_pointer (task, g_strdup (self->url), g_free);
      return;
    }
  if (self->start_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The server is already starting");
      return;
    }

  self->process = spawn_server ("127.0.0.1:0", &error);
  if (self->process == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->start_task = g_steal_pointer (&task);
  self->timeout_id = g_timeout_add_seconds (START_TIMEOUT_S, start_timeout_cb, self);
  self->listening_since = 0;
  self->restart_delay_ms = RESTART_DELAY_MIN_MS;
  read_outputs (self);
  watch_process (self);
}

char *
ks_local_server_start_finish (KsLocalServer *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
stop_wait_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

void
ks_local_server_stop (KsLocalServer *self)
{
  g_autoptr (GSubprocess) process = NULL;
  gboolean done = FALSE;
  gboolean timed_out = FALSE;
  guint    timeout_id;

  g_return_if_fail (KS_IS_LOCAL_SERVER (self));

  g_clear_handle_id (&self->restart_id, g_source_remove);
  g_cancellable_cancel (self->watch);
  g_clear_object (&self->watch);
  process = g_steal_pointer (&self->process);
  g_clear_pointer (&self->url, g_free);
  self->listening_since = 0;
  /* What it still prints is for nobody now. */
  g_clear_object (&self->stdout_stream);
  g_clear_object (&self->stderr_stream);
  if (process == NULL)
    return;

  /* The server closes its database cleanly on SIGTERM; give it time. */
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, stop_wait_cb, &done);
  timeout_id = g_timeout_add (STOP_TIMEOUT_MS, stop_timeout_cb, &timed_out);
  while (!done && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (timeout_id);
  if (!done)
    {
      g_warning ("The local server did not stop; killing it");
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
    }
}
