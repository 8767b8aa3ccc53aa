/* test-s3-client.h: a small signing S3 client for the S3 store's tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-sigv4.h"
#include "ks-test-server.h"

G_BEGIN_DECLS

/*
 * Talks to a running KsTestServer's S3 store with the credentials its
 * `credentials` command prints. Requests are signed in the Authorization
 * header (ks_sigv4_sign_request) or presigned (ks_sigv4_presign_url).
 * Keys are given decoded and encoded here.
 */
typedef struct _KsTestS3 KsTestS3;

KsTestS3 *ks_test_s3_new (KsTestServer *server);
void      ks_test_s3_free (KsTestS3 *self);

const char *ks_test_s3_get_endpoint (KsTestS3 *self);
const char *ks_test_s3_get_access_key_id (KsTestS3 *self);
const char *ks_test_s3_get_secret (KsTestS3 *self);
/* For the tests of refused signatures. */
void ks_test_s3_set_credentials (KsTestS3   *self,
                                 const char *access_key_id,
                                 const char *secret);
void ks_test_s3_set_region (KsTestS3   *self,
                            const char *region);
void ks_test_s3_set_clock_offset (KsTestS3 *self,
                                  gint64    seconds);

/* "/s3/keepsake/<encoded key>", or the bucket's path for a NULL key. */
char *ks_test_s3_path (KsTestS3   *self,
                       const char *key);

/* A message for @key (NULL: the bucket) with @query (raw, nullable) and
 * @body (nullable), not signed yet; add headers, then sign. */
SoupMessage *ks_test_s3_message (KsTestS3   *self,
                                 const char *method,
                                 const char *key,
                                 const char *query,
                                 GBytes     *body);
/* Signs every header on @msg; @payload_hash NULL means the SHA-256 of the
 * body set by ks_test_s3_message(). */
void ks_test_s3_sign (KsTestS3    *self,
                      SoupMessage *msg,
                      const char  *payload_hash);

/* Builds, signs and sends; returns the response body. */
GBytes *ks_test_s3_request (KsTestS3   *self,
                            const char *method,
                            const char *key,
                            const char *query,
                            GBytes     *body,
                            guint      *out_status);
GBytes *ks_test_s3_send (KsTestS3    *self,
                         SoupMessage *msg);

/* The request line and headers of a signed request, for raw sockets:
 * what libsoup would send, up to the body. */
char *ks_test_s3_raw_head (KsTestS3   *self,
                           const char *method,
                           const char *key,
                           const char *query,
                           const char *payload_hash,
                           gint64      content_length);

/* Presigned URL; @headers: name, value pairs to sign, NULL-terminated. */
char *ks_test_s3_presign (KsTestS3   *self,
                          const char *method,
                          const char *key,
                          const char *query,
                          guint       expires,
                          GDateTime  *now,
                          const char *first_header,
                          ...) G_GNUC_NULL_TERMINATED;

/* Asserts an S3 <Error> with @status and @code (body may be empty for
 * HEAD, then only the status is checked). */
void ks_test_s3_assert_error (SoupMessage *msg,
                              GBytes      *body,
                              guint        status,
                              const char  *code);
/* Every <@element>text</@element> in @xml, in order, unescaped. */
GPtrArray *ks_test_s3_xml_values (GBytes     *xml,
                                  const char *element);
char      *ks_test_s3_xml_value (GBytes     *xml,
                                 const char *element);

GBytes *ks_test_s3_random_bytes (gsize   len,
                                 guint32 seed);
char   *ks_test_s3_md5_hex (GBytes *bytes);
char   *ks_test_s3_sha256_hex (GBytes *bytes);

/* The server's process, for memory checks: VmHWM or VmRSS in KiB. */
guint64 ks_test_s3_server_memory_kib (KsTestServer *server,
                                      const char   *field);
/* Every file under @dir (relative paths), sorted. */
GPtrArray *ks_test_s3_list_files (const char *dir);

/* A fresh server and a client for it, per test case. */
typedef struct
{
  KsTestServer *server;
  KsTestS3     *s3;
} KsTestS3Fixture;

void ks_test_s3_fixture_set_up (KsTestS3Fixture *fixture,
                                gconstpointer    user_data);
void ks_test_s3_fixture_tear_down (KsTestS3Fixture *fixture,
                                   gconstpointer    user_data);

/* Asserting shortcuts: PUT returns the ETag; GET returns the bytes. */
char   *ks_test_s3_put (KsTestS3   *self,
                        const char *key,
                        GBytes     *body);
GBytes *ks_test_s3_get (KsTestS3   *self,
                        const char *key);
void    ks_test_s3_assert_bytes (GBytes *bytes,
                                 GBytes *expected);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsTestS3, ks_test_s3_free)

G_END_DECLS
