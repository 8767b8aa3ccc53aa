/* ks-setup-view-private.h: what the setup view's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ks-setup-view.h"

G_BEGIN_DECLS

struct _KsSetupView
{
  GtkWidget parent_instance;

  KsAccount    *account; /* nullable */
  GCancellable *cancellable;
  GPtrArray    *history;  /* page names, the visible one last */
  char         *username; /* between sign-up, confirmation and sign-in */
  char         *password; /* nullable, wiped when done */

  GtkButton     *back_button;
  GtkStack      *stack;
  AdwStatusPage *welcome_page;
  GtkListBox    *known_list; /* accounts used before, here or with keepsake-cli */
  AdwActionRow  *local_row;
  GtkStack      *local_row_suffix;
  GtkSpinner    *local_row_spinner;
  AdwActionRow  *remote_row;
  GtkLabel      *welcome_error;

  AdwEntryRow *server_entry;
  GtkLabel    *server_error;
  GtkButton   *connect_button;

  AdwStatusPage *sign_in_page;
  AdwEntryRow   *sign_in_username;
  AdwEntryRow   *sign_in_password;
  GtkLabel      *sign_in_error;
  GtkButton     *sign_in_button;

  AdwEntryRow *sign_up_username;
  AdwEntryRow *sign_up_email;
  AdwEntryRow *sign_up_password;
  GtkLabel    *sign_up_hint;
  GtkLabel    *sign_up_error;
  GtkButton   *sign_up_button;

  AdwStatusPage *confirm_page;
  AdwEntryRow   *confirm_code;
  GtkLabel      *confirm_error;
  GtkButton     *confirm_button;

  AdwStatusPage *forgot_page;
  AdwEntryRow   *forgot_username;
  GtkLabel      *forgot_error;
  GtkButton     *forgot_button;

  AdwStatusPage *reset_page;
  AdwEntryRow   *reset_code;
  AdwEntryRow   *reset_password;
  GtkLabel      *reset_hint;
  GtkLabel      *reset_error;
  GtkButton     *reset_button;
};

/* ks-setup-view.c */
void ks_setup_view_push (KsSetupView *self,
                         const char  *page);
void ks_setup_view_replace (KsSetupView *self,
                            const char  *page);
void ks_setup_view_toast (KsSetupView *self,
                          const char  *message);
/* @message: (nullable) hides the label */
void  ks_setup_view_set_error (GtkLabel   *label,
                               const char *message);
void  ks_setup_view_set_busy (GtkButton *button,
                              gboolean   busy);
char *ks_setup_view_get_text (AdwEntryRow *row);

/* ks-setup-forms.c: the account forms' template callbacks */
void ks_setup_forms_class_init (GtkWidgetClass *widget_class);
void ks_setup_forms_sign_in (KsSetupView *self,
                             const char  *username,
                             const char  *password,
                             GtkButton   *button,
                             GtkLabel    *error_label);
void ks_setup_forms_forget_secrets (KsSetupView *self);
/* Fits the forms to the account's server (the local one or another). */
void ks_setup_forms_follow_account (KsSetupView *self);

G_END_DECLS
