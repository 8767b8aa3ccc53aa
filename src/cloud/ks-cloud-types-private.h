/* ks-cloud-types-private.h: the reply parsers the API client shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-cloud-types.h"

G_BEGIN_DECLS

/* Every parser here takes the reply's root (nullable: a reply without a
 * body) and fails with KS_CLOUD_ERROR_PROTOCOL. */
typedef gpointer (*KsObjectParseFunc) (JsonObject *object,
                                       GError    **error);

JsonObject *ks_cloud_root_object (JsonNode   *root,
                                  const char *what,
                                  GError    **error);

/* The member @name of @object, an array of objects each parsed with
 * @parse. An absent member is an error when @required, else an empty
 * array. */
GPtrArray *ks_cloud_parse_object_array (JsonObject       *object,
                                        const char       *name,
                                        gboolean          required,
                                        KsObjectParseFunc parse,
                                        GDestroyNotify    free_func,
                                        GError          **error);
/* A string member that may be absent or null: *out is then NULL. */
gboolean ks_cloud_dup_nullable_string (JsonObject *object,
                                       const char *name,
                                       char      **out,
                                       GError    **error);
gboolean ks_cloud_dup_string (JsonObject *object,
                              const char *name,
                              char      **out,
                              GError    **error);
gboolean ks_cloud_get_int (JsonObject *object,
                           const char *name,
                           gboolean    required,
                           gint64      min,
                           gint64      max,
                           gint64     *out,
                           GError    **error);
/* (transfer none) *out: NULL and TRUE when absent and not @required. */
gboolean ks_cloud_get_object (JsonObject  *object,
                              const char  *name,
                              gboolean     required,
                              JsonObject **out,
                              GError     **error);
/* An array of strings, as a NULL-terminated vector. */
GStrv ks_cloud_dup_string_array (JsonObject *object,
                                 const char *name,
                                 GError    **error);

KsPhotoPage  *ks_photo_page_new_from_json (JsonNode *root,
                                           GError  **error);
KsChangePage *ks_change_page_new_from_json (JsonNode *root,
                                            GError  **error);
KsLinkPage   *ks_link_page_new_from_json (JsonNode *root,
                                          GError  **error);

G_END_DECLS
