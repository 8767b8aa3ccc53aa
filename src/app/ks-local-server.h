/* ks-local-server.h: the keepsake-server the app runs for "This computer"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_LOCAL_SERVER (ks_local_server_get_type ())
G_DECLARE_FINAL_TYPE (KsLocalServer, ks_local_server, KS, LOCAL_SERVER, GObject)

/* Data under g_get_user_data_dir()/keepsake/server. */
KsLocalServer *ks_local_server_new (void);

/* The binary: $KEEPSAKE_SERVER, else the build tree's when this process
 * runs from it, else the one installed beside the app. */
char *ks_local_server_find_binary (void);

/* Starts the child on 127.0.0.1 with a free port and finishes with the
 * URL it printed. Starting a running server finishes at once. Should
 * the child stop on its own later (a crash, a kill), it is started again
 * on the same address: after 0.5 s, doubling up to 30 s while it keeps
 * stopping within a minute. */
void  ks_local_server_start_async (KsLocalServer      *self,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
char *ks_local_server_start_finish (KsLocalServer *self,
                                    GAsyncResult  *result,
                                    GError       **error);

/* (nullable): the URL from the start until ks_local_server_stop(),
 * restarts included. */
const char *ks_local_server_get_url (KsLocalServer *self);

/* The code the server left for @username, @purpose being KS_CODE_CONFIRM
 * or KS_CODE_RESET (ks-code-file.h): it mails nobody, and its data is
 * this user's. NULL when there is none. */
char *ks_local_server_read_code (const char *purpose,
                                 const char *username);

/* SIGTERM, then waits up to a few seconds for the child to exit. */
void ks_local_server_stop (KsLocalServer *self);

G_END_DECLS
