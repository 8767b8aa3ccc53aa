/* ks-sigv4-private.h: what ks-sigv4.c shares with ks-sigv4-verify.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-sigv4.h"

G_BEGIN_DECLS

#define KS_SIGV4_SCOPE_TERMINATOR "aws4_request"

typedef struct
{
  char *name;
  char *value;
} KsSigv4Pair;

struct _KsSigv4Request
{
  char      *method;
  char      *path;         /* decoded */
  GPtrArray *query;        /* of KsSigv4Pair, decoded, in order */
  GPtrArray *headers;      /* of KsSigv4Pair, names as given, in order */
  char      *payload_hash; /* nullable: hash of the empty body */
};

/* An RFC 9110 token: a method or a header name. */
gboolean ks_sigv4_is_token (const char *text);

/* The canonical request with @payload as its last line. */
char *ks_sigv4_build_canonical_request (const KsSigv4Request *req,
                                        KsSigv4Flavor         flavor,
                                        const char *const    *signed_headers,
                                        const char           *payload);

/* Hex HMAC of @string_to_sign under the key for @amz_date's day. */
char *ks_sigv4_compute_signature (const char *secret,
                                  const char *amz_date,
                                  const char *region,
                                  const char *service,
                                  const char *string_to_sign);

G_END_DECLS
