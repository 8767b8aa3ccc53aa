/* ks-jwt-private.h: what ks-jwt.c shares with ks-jwks.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-jwt.h"

G_BEGIN_DECLS

/* Strict JSON (ks_json_parse_strict()) holding an object. Any failure is
 * KS_JWT_ERROR_MALFORMED, its message starting with @what. */
JsonObject *ks_jwt_parse_object (const char *data,
                                 gsize       len,
                                 const char *what,
                                 GError    **error);
/* Absent leaves *out NULL; present but not a string is
 * KS_JWT_ERROR_MALFORMED. */
gboolean ks_jwt_lookup_string (JsonObject  *object,
                               const char  *name,
                               const char **out,
                               GError     **error);

G_END_DECLS
