/* ks-test-server.h: run the real keepsake-server for integration tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * One keepsake-server process ($KS_SERVER_BINARY) on 127.0.0.1, a port
 * of its choosing, and a fresh data directory that goes away with the
 * struct. Every function asserts: a server that does not start within
 * 20 s, or does not exit 0 on SIGTERM, fails the test. Its stderr (the
 * access log) is collected and printed if the test failed.
 *
 *   g_autoptr(KsTestServer) server = ks_test_server_new ();
 *   ks_test_server_start (server);
 *   ... ks_test_server_get_base_url (server) ...
 *   ks_test_server_stop (server);
 */
typedef struct _KsTestServer KsTestServer;

KsTestServer *ks_test_server_new (void);
KsTestServer *ks_test_server_new_for_data_dir (const char *data_dir);
void          ks_test_server_free (KsTestServer *self);

/* Before starting: options for every following start and run. */
void ks_test_server_add_args (KsTestServer *self,
                              const char   *first_arg,
                              ...) G_GNUC_NULL_TERMINATED;
void ks_test_server_setenv (KsTestServer *self,
                            const char   *name,
                            const char   *value);
void ks_test_server_set_listen (KsTestServer *self,
                                const char   *host_port);

void     ks_test_server_start (KsTestServer *self);
gboolean ks_test_server_try_start (KsTestServer *self,
                                   GError      **error);
void     ks_test_server_stop (KsTestServer *self);
int      ks_test_server_stop_with_signal (KsTestServer *self,
                                          int           signum);
void     ks_test_server_kill (KsTestServer *self);
void     ks_test_server_restart (KsTestServer *self);
gboolean ks_test_server_is_running (KsTestServer *self);

/* Runs the binary to its end (e.g. "credentials", or a start that must
 * fail) with the same data dir and options; returns its exit status, -1
 * if it was killed or timed out. */
int ks_test_server_run (KsTestServer *self,
                        const char   *command,
                        char        **out_stdout,
                        char        **out_stderr);

void ks_test_server_assert_refuses (KsTestServer *self,
                                    const char   *command,
                                    const char   *why);

const char *ks_test_server_get_base_url (KsTestServer *self);
guint16     ks_test_server_get_port (KsTestServer *self);
const char *ks_test_server_get_data_dir (KsTestServer *self);
char       *ks_test_server_dup_data_path (KsTestServer *self,
                                          const char   *name);
guint       ks_test_server_count_open_files (KsTestServer *self);
/* The running server's file size limit (RLIMIT_FSIZE), in bytes, 0 for
 * none: writes past it fail as on a full disk. */
void     ks_test_server_set_file_size_limit (KsTestServer *self,
                                             guint64       bytes);
char    *ks_test_server_dup_log (KsTestServer *self);
gboolean ks_test_server_wait_for_log (KsTestServer *self,
                                      const char   *needle,
                                      guint         timeout_ms);

/* HTTP to the running server, through one SoupSession. */
SoupMessage *ks_test_server_new_message (KsTestServer *self,
                                         const char   *method,
                                         const char   *path);
GBytes      *ks_test_server_send (KsTestServer *self,
                                  SoupMessage  *msg);
JsonNode    *ks_test_server_get_json (KsTestServer *self,
                                      const char   *path,
                                      guint        *out_status);

/* Plain TCP to the running server, for what an HTTP library won't send. */
GIOStream *ks_test_server_connect_raw (KsTestServer *self);
void       ks_test_raw_write (GIOStream  *stream,
                              const char *text);
char      *ks_test_raw_read_until (GIOStream  *stream,
                                   const char *end);

JsonNode *ks_test_parse_json (GBytes *bytes);
void      ks_test_remove_tree (const char *path);

/* tests/js/@name in the source tree: a script for node, or a package. */
char *ks_test_js_path (const char *name);
/* TRUE when node is in PATH and each of @modules (NULL-ended) is under
 * tests/js/node_modules; otherwise fails the test saying what to
 * install. */
gboolean ks_test_js_peer_ready (const char *const *modules);
/* The value at @path ("a.b.c"), which must be there with that type. */
const char *ks_test_json_get_string (JsonNode   *root,
                                     const char *path);
gint64      ks_test_json_get_int (JsonNode   *root,
                                  const char *path);
gboolean    ks_test_json_get_boolean (JsonNode   *root,
                                      const char *path);

/* A started GSocketService on 127.0.0.1, a port of the system's
 * choosing, handing each connection to @server: libsoup 3.2's own
 * listener leaks descriptors, so the tests' servers accept as the real
 * server does. Runs on the thread-default main context. @server then
 * closes each connection after one answer, and says so
 * ("Connection: close"). */
GSocketService *ks_test_listen_loopback (SoupServer *server,
                                         guint16    *out_port);

/* An HTTP service on 127.0.0.1 (a port of the system's choosing) that
 * answers every request with @handler, on a thread and main context of
 * its own: a stand-in for a service the server under test calls. */
typedef struct _KsTestHttp KsTestHttp;
typedef void (*KsTestHttpHandler) (SoupServerMessage *msg,
                                   const char        *path,
                                   gpointer           user_data);

KsTestHttp *ks_test_http_new (KsTestHttpHandler handler,
                              gpointer          user_data);
/* "http://127.0.0.1:PORT" */
const char *ks_test_http_get_url (KsTestHttp *self);
/* Stops the thread; @handler is not called afterwards. */
void ks_test_http_free (KsTestHttp *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsTestServer, ks_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsTestHttp, ks_test_http_free)

G_END_DECLS
