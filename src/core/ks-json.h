/* ks-json.h: strict JSON for untrusted input, and checked member access
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* RFC 8259 JSON text only: UTF-8 with no NUL, one value, no comments, no
 * single quotes, no \u0000 or lone surrogates, no integer part longer than
 * 18 digits, and arrays and objects nested at most @max_depth deep. Then
 * json-glib parses it; as json-glib does, a number beyond the range of a
 * double becomes an infinite double. @len < 0 means NUL-terminated.
 * Errors are KS_CORE_ERROR_PARSE, naming the byte offset and the problem,
 * never the text, which may be secret. The root may be any value:
 * callers check that it is what they expect. */
JsonNode *ks_json_parse_strict (const char *text,
                                gssize      len,
                                guint       max_depth,
                                GError    **error);

/* Checked getters for validating requests and replies. An absent member
 * is KS_CORE_ERROR_PARSE when @required, otherwise TRUE with *out left
 * as it was, so callers can preset a default. A member of the wrong type,
 * null included, is KS_CORE_ERROR_PARSE. *out is only set on success. */

/* (out) points into @object. */
gboolean ks_json_object_get_string_member_checked (JsonObject  *object,
                                                   const char  *name,
                                                   gboolean     required,
                                                   const char **out,
                                                   GError     **error);
/* Integers only: 1.0 or 1e3 is not one. Outside @min..@max (inclusive) is
 * KS_CORE_ERROR_INVALID. */
gboolean ks_json_object_get_int64_member_checked (JsonObject *object,
                                                  const char *name,
                                                  gboolean    required,
                                                  gint64      min,
                                                  gint64      max,
                                                  gint64     *out,
                                                  GError    **error);
gboolean ks_json_object_get_boolean_member_checked (JsonObject *object,
                                                    const char *name,
                                                    gboolean    required,
                                                    gboolean   *out,
                                                    GError    **error);
/* A member not in the NULL-terminated @allowed is KS_CORE_ERROR_PARSE. */
gboolean ks_json_object_check_members (JsonObject        *object,
                                       const char *const *allowed,
                                       GError           **error);

G_END_DECLS
