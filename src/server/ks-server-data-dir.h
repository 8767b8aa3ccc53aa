/* ks-server-data-dir.h: the server's state on disk and its identity
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "ks-rsa-key.h"

G_BEGIN_DECLS

#define KS_TYPE_SERVER_DATA_DIR (ks_server_data_dir_get_type ())

G_DECLARE_FINAL_TYPE (KsServerDataDir, ks_server_data_dir, KS, SERVER_DATA_DIR, GObject)

KsServerDataDir *ks_server_data_dir_open (const char *path,
                                          const char *region,
                                          GError    **error);
gboolean         ks_server_data_dir_lock (KsServerDataDir *self,
                                          GError         **error);

const char *ks_server_data_dir_get_path (KsServerDataDir *self);
const char *ks_server_data_dir_get_db_path (KsServerDataDir *self);
const char *ks_server_data_dir_get_objects_path (KsServerDataDir *self);

const char *ks_server_data_dir_get_region (KsServerDataDir *self);
const char *ks_server_data_dir_get_user_pool_id (KsServerDataDir *self);
const char *ks_server_data_dir_get_client_id (KsServerDataDir *self);
const char *ks_server_data_dir_get_bucket (KsServerDataDir *self);
const char *ks_server_data_dir_get_access_key_id (KsServerDataDir *self);
const char *ks_server_data_dir_get_secret_access_key (KsServerDataDir *self);
KsRsaKey   *ks_server_data_dir_get_signing_key (KsServerDataDir *self);

G_END_DECLS
