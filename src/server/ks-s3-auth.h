/* ks-s3-auth.h: SigV4 on incoming S3 requests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "ks-sigv4.h"

G_BEGIN_DECLS

typedef struct
{
  const char *region;
  const char *access_key_id;
  const char *secret_access_key;
  const char *path_prefix; /* nullable: the public URL's path, which a
                            * reverse proxy strips before forwarding */
} KsS3AuthConfig;

/* The request as signed: method, decoded path and query, headers.
 * KS_S3_ERROR_INVALID_URI or _INVALID_ARGUMENT if it cannot be parsed. */
KsSigv4Request *ks_s3_auth_parse (SoupServerMessage *msg,
                                  const char        *path_prefix,
                                  GError           **error);

/* Verifies @msg's signature (header or presigned query); errors are
 * KS_S3_ERROR, translated from KS_SIGV4_ERROR. */
KsSigv4Auth *ks_s3_auth_verify (SoupServerMessage    *msg,
                                const KsSigv4Request *req,
                                const KsS3AuthConfig *config,
                                GError              **error);

G_END_DECLS
