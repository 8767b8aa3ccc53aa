/* ks-server-urls.h: where everything lives, in one place
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Every public URL is the public base URL (scheme, host, port and an
 * optional path prefix, no trailing slash) followed by one of these:
 *
 *   /.well-known/keepsake.json            discovery
 *   /v1/...                               REST API v1
 *   /cognito                              Cognito IdP JSON protocol (POST)
 *   /cognito/{poolId}                     token issuer ("iss")
 *   /cognito/{poolId}/.well-known/jwks.json
 *   /s3/{bucket}/{key}                    S3, path-style addressing
 *
 * S3 is path-style because virtual-hosted style needs a DNS name per
 * bucket, which "this computer" and a bare IP address cannot have.
 */
#define KS_SERVER_PATH_DISCOVERY "/.well-known/keepsake.json"
#define KS_SERVER_PATH_API "/v1"
#define KS_SERVER_PATH_COGNITO "/cognito"
#define KS_SERVER_PATH_S3 "/s3"

#define KS_SERVER_DEFAULT_REGION "us-east-1"
#define KS_SERVER_BUCKET_NAME "keepsake"

/* An absolute http(s) URL with a host and no user name, query or
 * fragment, without its trailing slashes; @what names it in the error. */
char *ks_server_urls_normalize (const char *what,
                                const char *url,
                                GError    **error);
char *ks_server_urls_normalize_public (const char *url,
                                       GError    **error);

char *ks_server_urls_api (const char *public_url);
char *ks_server_urls_cognito (const char *public_url);
char *ks_server_urls_issuer (const char *public_url,
                             const char *user_pool_id);
char *ks_server_urls_jwks (const char *public_url,
                           const char *user_pool_id);
char *ks_server_urls_s3 (const char *public_url);

G_END_DECLS
