/* ks-setup-view.h: first run: where photos live, then signing in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-account.h"

G_BEGIN_DECLS

#define KS_TYPE_SETUP_VIEW (ks_setup_view_get_type ())
G_DECLARE_FINAL_TYPE (KsSetupView, ks_setup_view, KS, SETUP_VIEW, GtkWidget)

/*
 * Pages: welcome (this computer or a server) → server address → sign in,
 * with sign up → confirmation code, and forgot password → new password
 * beside it. Signing in is the end: the window follows the account's
 * "signed-in".
 *
 * Signal "toast" (const char *message): something to tell in passing.
 */
void ks_setup_view_set_account (KsSetupView *self,
                                KsAccount   *account);

void ks_setup_view_show_welcome (KsSetupView *self);
/* The account is connected: straight to signing in. @message: (nullable)
 * shown in place, e.g. why the old session ended. */
void ks_setup_view_show_sign_in (KsSetupView *self,
                                 const char  *message);

G_END_DECLS
