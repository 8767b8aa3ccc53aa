/* ks-test-proxy.h: a fault-injecting HTTP proxy in front of a test server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A reverse proxy on 127.0.0.1, a port of its own, running a SoupServer
 * on its own thread and GMainContext, so tests may call through it from
 * the main thread with blocking or async code alike. Every request is
 * forwarded to the upstream base URL, unless a rule says otherwise, and
 * the reply sent back as it came:
 *
 * - the method, the path and the query go upstream byte for byte, still
 *   percent-encoded as the client sent them;
 * - request headers go unchanged (Host, Content-Length, Authorization,
 *   x-amz-* included; only hop-by-hop headers and Expect are dropped),
 *   so SigV4 signatures made for the proxy's host:port still verify;
 * - request bodies go upstream unchanged (the proxy reads each one whole
 *   first, which is fine for test-sized uploads);
 * - response status, headers (ETag, Retry-After...) and body come back
 *   unchanged; redirects are not followed;
 * - if upstream cannot be reached, the client's connection is closed
 *   without a reply, as a dead server would.
 *
 * The API through the proxy:
 *
 *   g_autoptr (KsTestApi) api = ks_test_api_new ();
 *   g_autoptr (KsTestProxy) proxy =
 *     ks_test_proxy_new (ks_test_server_get_base_url (ks_test_api_get_server (api)));
 *   api_url = g_strconcat (ks_test_proxy_get_url (proxy), "/v1", NULL);
 *   ks_test_proxy_add_status (proxy, "GET", "/v1/photos", 1, 500, NULL, NULL);
 *   ... a call, which the client retries ...
 *   g_assert_cmpuint (ks_test_proxy_count (proxy, "GET", "/v1/photos"), ==, 2);
 *
 * Presigned S3 URLs name the host:port they were signed for, so for
 * faults on /s3/... the server must believe the proxy is its public
 * address. Start the proxy first, with no upstream, then the server with
 * --public-url pointing at the proxy, then tell the proxy where the
 * server is:
 *
 *   g_autoptr (KsTestProxy) proxy = ks_test_proxy_new (NULL);
 *   g_autofree char *public_url = g_strdup (ks_test_proxy_get_url (proxy));
 *   ks_test_server_add_args (server, "--public-url", public_url, NULL);
 *   ks_test_server_start (server);
 *   ks_test_proxy_set_upstream (proxy, ks_test_server_get_base_url (server));
 *
 * Until an upstream is set, requests that are not answered by a rule are
 * answered 502.
 *
 * Rules: each one matches requests by @method (NULL for any) and by a
 * prefix of the path (without the query; "" matches every path), and
 * applies to the next @count of them (KS_TEST_PROXY_ALWAYS for all).
 * Rules are tried in the order they were added; the first one that
 * matches and has requests left applies, and only that one. Every
 * function here may be called from any thread at any time.
 */
typedef struct _KsTestProxy KsTestProxy;

#define KS_TEST_PROXY_ALWAYS G_MAXUINT

/* @upstream: (nullable) e.g. "http://127.0.0.1:4567", no trailing slash
 * needed. Listening when it returns. */
KsTestProxy *ks_test_proxy_new (const char *upstream);
void         ks_test_proxy_free (KsTestProxy *self);
void         ks_test_proxy_set_upstream (KsTestProxy *self,
                                         const char  *upstream);
/* "http://127.0.0.1:<port>", no trailing slash */
const char *ks_test_proxy_get_url (KsTestProxy *self);
guint16     ks_test_proxy_get_port (KsTestProxy *self);

/* Answer with @status and @body (nullable: none; sent as
 * application/json) and, if @retry_after is set, a Retry-After header
 * with that text ("1", or an HTTP date). Not forwarded upstream. */
void ks_test_proxy_add_status (KsTestProxy *self,
                               const char  *method,
                               const char  *path_prefix,
                               guint        count,
                               guint        status,
                               const char  *body,
                               const char  *retry_after);
/* Forward, then hold upstream's reply @delay_ms before sending it. */
void ks_test_proxy_add_delay (KsTestProxy *self,
                              const char  *method,
                              const char  *path_prefix,
                              guint        count,
                              guint        delay_ms);
/* Forward, then send upstream's status and a Content-Length of its whole
 * body, but only the first @keep_bytes of the body, and close the
 * connection: a reply cut short. */
void ks_test_proxy_add_truncate (KsTestProxy *self,
                                 const char  *method,
                                 const char  *path_prefix,
                                 guint        count,
                                 gsize        keep_bytes);
/* Forward, then send upstream's status and headers with @body instead of
 * upstream's body (malformed JSON, wrongly typed members...). */
void ks_test_proxy_add_body (KsTestProxy *self,
                             const char  *method,
                             const char  *path_prefix,
                             guint        count,
                             const char  *body);
/* Close the connection without forwarding or answering. */
void ks_test_proxy_add_drop (KsTestProxy *self,
                             const char  *method,
                             const char  *path_prefix,
                             guint        count);
/* Removes every rule, used up or not. */
void ks_test_proxy_clear_rules (KsTestProxy *self);

/* Requests that arrived (whether a rule applied or not) with @method
 * (NULL for any) and a path starting with @path_prefix. */
guint ks_test_proxy_count (KsTestProxy *self,
                           const char  *method,
                           const char  *path_prefix);
/* When the @index-th (0-based) of those arrived, in g_get_monotonic_time()
 * µs; -1 if there were not that many. */
gint64 ks_test_proxy_request_time (KsTestProxy *self,
                                   const char  *method,
                                   const char  *path_prefix,
                                   guint        index);
/* Forgets the requests counted so far. */
void ks_test_proxy_reset_counts (KsTestProxy *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsTestProxy, ks_test_proxy_free)

G_END_DECLS
