/* ks-test-api.h: the REST API of a real keepsake-server, for its tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-test-server.h"

G_BEGIN_DECLS

/*
 * A running server (with --auto-confirm) and what it takes to be its
 * users: access tokens are signed here with the server's own signing key
 * from its data dir, shaped like Cognito's, with the issuer and client id
 * its discovery document names. So a test has as many users as it likes,
 * and expired or forged tokens too.
 */
typedef struct _KsTestApi KsTestApi;

typedef struct
{
  char *sub;
  char *username;
  char *token;
} KsTestUser;

KsTestApi    *ks_test_api_new (void);
KsTestApi    *ks_test_api_new_for_server (KsTestServer *server);
void          ks_test_api_free (KsTestApi *self);
KsTestServer *ks_test_api_get_server (KsTestApi *self);

/* (transfer none): a user the server has seen (GET /v1/me), made on
 * first use. */
KsTestUser *ks_test_api_user (KsTestApi  *self,
                              const char *username);

/* @lifetime: seconds until "exp"; negative for an expired token. */
char *ks_test_api_mint_token (KsTestApi  *self,
                              const char *sub,
                              const char *username,
                              gint64      lifetime);
/* The same claims, signed with a key that is not the server's but
 * claiming the server's "kid". */
char *ks_test_api_forge_token (KsTestApi  *self,
                               const char *sub,
                               const char *username);
/* A real sign-in: SignUp and InitiateAuth USER_PASSWORD_AUTH against
 * POST /cognito. Returns the access token. */
char *ks_test_api_sign_in (KsTestApi  *self,
                           const char *username,
                           const char *password);

/* @token, @body: (nullable). Returns the reply's JSON, NULL if it had
 * no body. */
JsonNode *ks_test_api_call (KsTestApi  *self,
                            const char *token,
                            const char *method,
                            const char *path,
                            const char *body,
                            guint      *out_status);
/* Asserts the status, printing the reply if it differs. */
JsonNode *ks_test_api_expect (KsTestApi  *self,
                              const char *token,
                              const char *method,
                              const char *path,
                              const char *body,
                              guint       status);
/* Asserts an error reply: @status and {"error": {"code": @code, ...}}. */
void ks_test_api_expect_error (KsTestApi  *self,
                               const char *token,
                               const char *method,
                               const char *path,
                               const char *body,
                               guint       status,
                               const char *code);

/* Photo bytes of @size, different for each @seed. */
GBytes *ks_test_api_photo_bytes (const char *seed,
                                 gsize       size);
/* The prepare request body for @bytes, with thumbnails made from @seed. */
char *ks_test_api_prepare_body (GBytes     *bytes,
                                GBytes     *grid,
                                GBytes     *preview,
                                const char *file_name);
/* PUTs @bytes as one of prepare's "uploads" says; returns the status. */
guint ks_test_api_put (KsTestApi  *self,
                       JsonObject *upload,
                       GBytes     *bytes);
/* HTTP GET of a presigned URL; returns the status and the body. */
GBytes *ks_test_api_fetch (KsTestApi  *self,
                           const char *url,
                           guint      *out_status);
/* prepare, PUT original and thumbnails, commit: returns the photo id. */
char *ks_test_api_upload_photo (KsTestApi  *self,
                                KsTestUser *user,
                                const char *seed);

/* The upload for @target ("original", "grid", "preview") in prepare's
 * "uploads". */
JsonObject *ks_test_api_find_upload (JsonArray  *uploads,
                                     const char *target);

/* The server's part size for multipart uploads. */
#define KS_TEST_API_PART_SIZE (16 * 1024 * 1024)

/* PUTs the parts of @original that prepare's @upload lists, but part
 * @skip (0: none); returns the ETags, "" for the one skipped. */
GPtrArray *ks_test_api_put_parts (KsTestApi  *self,
                                  JsonObject *upload,
                                  GBytes     *original,
                                  guint       skip);
/* {"parts": [...]} for commit, with @etags[i] for part i + 1. */
char *ks_test_api_parts_body (GPtrArray *etags);

/* Sets a column with SQL on the server's database, for what a test
 * cannot wait for (a link expiring). */
void ks_test_api_sql (KsTestApi  *self,
                      const char *sql);

const char *ks_test_api_object_string (JsonObject *object,
                                       const char *name);
JsonObject *ks_test_api_root (JsonNode *node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsTestApi, ks_test_api_free)

G_END_DECLS
