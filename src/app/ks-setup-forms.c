/* ks-setup-forms.c: signing in and up, confirmation codes, new passwords
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-cloud-error.h"
#include "ks-code-file.h"
#include "ks-local-server.h"
#include "ks-setup-view-private.h"

void
ks_setup_forms_forget_secrets (KsSetupView *self)
{
  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_clear_pointer (&self->password, g_free);
    }
}

static void
remember_credentials (KsSetupView *self,
                      const char  *username,
                      const char  *password)
{
  /* Either may be the field itself. */
  char *new_username = g_strdup (username);
  char *new_password = g_strdup (password);

  g_free (self->username);
  self->username = new_username;
  ks_setup_forms_forget_secrets (self);
  self->password = new_password;
}

/* --- Signing in: every path ends here */

typedef struct
{
  KsSetupView *self;
  GtkButton   *button;
  GtkLabel    *error_label;
} FormRequest;

static FormRequest *
form_request_new (KsSetupView *self,
                  GtkButton   *button,
                  GtkLabel    *error_label)
{
  FormRequest *request = g_new0 (FormRequest, 1);

  request->self = g_object_ref (self);
  request->button = button;
  request->error_label = error_label;
  ks_setup_view_set_error (error_label, NULL);
  ks_setup_view_set_busy (button, TRUE);
  return request;
}

static void
form_request_free (FormRequest *request)
{
  g_object_unref (request->self);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FormRequest, form_request_free)

/* Ends the request; FALSE when it was cancelled (the view moved on). */
static gboolean
form_request_done (FormRequest *request,
                   GError      *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  ks_setup_view_set_busy (request->button, FALSE);
  if (error != NULL)
    ks_setup_view_set_error (request->error_label, error->message);
  return TRUE;
}

static void
go_confirm (KsSetupView *self)
{
  g_autofree char *description = NULL;

  description = g_strdup_printf (_ ("Enter the code sent to the email address of %s."), self->username);
  adw_status_page_set_description (self->confirm_page, description);
  gtk_editable_set_text (GTK_EDITABLE (self->confirm_code), "");
  ks_setup_view_set_error (self->confirm_error, NULL);
  ks_setup_view_push (self, "confirm");
  gtk_widget_grab_focus (GTK_WIDGET (self->confirm_code));
}

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (FormRequest) request = user_data;
  KsSetupView *self = request->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *warning = NULL;

  if (ks_account_sign_in_finish (KS_ACCOUNT (source), result, &warning, &error))
    {
      form_request_done (request, NULL);
      ks_setup_forms_forget_secrets (self);
      if (warning != NULL)
        ks_setup_view_toast (self, warning);
      return;
    }

  /* Signed up elsewhere, never confirmed: the code step, then in. */
  if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_USER_NOT_CONFIRMED))
    {
      form_request_done (request, NULL);
      go_confirm (self);
      return;
    }
  form_request_done (request, error);
}

void
ks_setup_forms_sign_in (KsSetupView *self,
                        const char  *username,
                        const char  *password,
                        GtkButton   *button,
                        GtkLabel    *error_label)
{
  /* @username and @password may be the remembered ones themselves. */
  remember_credentials (self, username, password);
  ks_account_sign_in_async (self->account, self->username, self->password, self->cancellable, signed_in_cb,
                            form_request_new (self, button, error_label));
}

static void
sign_in_clicked_cb (KsSetupView *self)
{
  g_autofree char *username = ks_setup_view_get_text (self->sign_in_username);
  const char      *password = gtk_editable_get_text (GTK_EDITABLE (self->sign_in_password));

  if (*username == '\0' || *password == '\0')
    {
      ks_setup_view_set_error (self->sign_in_error, _ ("Enter your username and password."));
      return;
    }
  ks_setup_forms_sign_in (self, username, password, self->sign_in_button, self->sign_in_error);
}

/* --- Signing up and confirming */

static void
signed_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (FormRequest) request = user_data;
  KsSetupView *self = request->self;
  g_autoptr (GError) error = NULL;
  gboolean confirmed = FALSE;

  if (!ks_cognito_client_sign_up_finish (KS_COGNITO_CLIENT (source), result, &confirmed, &error))
    {
      form_request_done (request, error);
      return;
    }
  if (!form_request_done (request, NULL))
    return;

  if (confirmed)
    ks_setup_forms_sign_in (self, self->username, self->password, self->sign_up_button,
                            self->sign_up_error);
  else
    go_confirm (self);
}

static void
sign_up_clicked_cb (KsSetupView *self)
{
  g_autofree char *username = ks_setup_view_get_text (self->sign_up_username);
  g_autofree char *email = ks_setup_view_get_text (self->sign_up_email);
  const char      *password = gtk_editable_get_text (GTK_EDITABLE (self->sign_up_password));
  /* The server on this computer mails nobody (ks_setup_forms_follow_account()). */
  gboolean wants_email = !ks_account_is_local (self->account);

  if (*username == '\0' || strpbrk (username, " \t") != NULL)
    {
      ks_setup_view_set_error (self->sign_up_error, _ ("Choose a username without spaces."));
      return;
    }
  if (wants_email && strchr (email, '@') == NULL)
    {
      ks_setup_view_set_error (self->sign_up_error,
                               _ ("Enter your email address: it is where codes to confirm your "
                                  "account or reset your password go."));
      return;
    }
  if (*password == '\0')
    {
      ks_setup_view_set_error (self->sign_up_error, _ ("Choose a password."));
      return;
    }

  remember_credentials (self, username, password);
  ks_cognito_client_sign_up_async (ks_account_get_cognito (self->account), username, password,
                                   wants_email ? email : NULL,
                                   self->cancellable, signed_up_cb,
                                   form_request_new (self, self->sign_up_button, self->sign_up_error));
}

static void
confirmed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (FormRequest) request = user_data;
  KsSetupView *self = request->self;
  g_autoptr (GError) error = NULL;

  if (!ks_cognito_client_confirm_sign_up_finish (KS_COGNITO_CLIENT (source), result, &error))
    {
      form_request_done (request, error);
      return;
    }
  if (!form_request_done (request, NULL))
    return;

  if (self->password != NULL)
    ks_setup_forms_sign_in (self, self->username, self->password, self->confirm_button,
                            self->confirm_error);
  else
    ks_setup_view_show_sign_in (self, NULL);
}

static void
confirm_clicked_cb (KsSetupView *self)
{
  g_autofree char *code = ks_setup_view_get_text (self->confirm_code);

  if (*code == '\0')
    {
      ks_setup_view_set_error (self->confirm_error, _ ("Enter the code from the email."));
      return;
    }
  ks_cognito_client_confirm_sign_up_async (ks_account_get_cognito (self->account), self->username,
                                           code, self->cancellable, confirmed_cb,
                                           form_request_new (self, self->confirm_button,
                                                             self->confirm_error));
}

static void
resent_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (KsSetupView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (ks_cognito_client_resend_code_finish (KS_COGNITO_CLIENT (source), result, &error))
    ks_setup_view_toast (self, _ ("A new code is on its way."));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ks_setup_view_set_error (self->confirm_error, error->message);
}

static void
resend_clicked_cb (KsSetupView *self)
{
  ks_setup_view_set_error (self->confirm_error, NULL);
  ks_cognito_client_resend_code_async (ks_account_get_cognito (self->account), self->username,
                                       self->cancellable, resent_cb, g_object_ref (self));
}

/* --- Forgotten passwords */

static void
forgot_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (FormRequest) request = user_data;
  KsSetupView *self = request->self;
  g_autoptr (GError) error = NULL;
  g_autofree char *code = NULL;

  if (!ks_cognito_client_forgot_password_finish (KS_COGNITO_CLIENT (source), result, &error))
    {
      form_request_done (request, error);
      return;
    }
  if (!form_request_done (request, NULL))
    return;

  /* The server on this computer left the code in its data, which is this
   * user's: asking them to find it would only be in the way. */
  code = ks_account_is_local (self->account)
             ? ks_local_server_read_code (KS_CODE_RESET, self->username)
             : NULL;
  gtk_editable_set_text (GTK_EDITABLE (self->reset_code), code != NULL ? code : "");
  gtk_widget_set_visible (GTK_WIDGET (self->reset_code), code == NULL);
  adw_status_page_set_description (self->reset_page,
                                   code != NULL
                                       ? _ ("Choose the password you want to use from now on.")
                                       : _ ("Enter the code from the email and the password you "
                                            "want to use from now on."));
  gtk_editable_set_text (GTK_EDITABLE (self->reset_password), "");
  ks_setup_view_set_error (self->reset_error, NULL);
  ks_setup_view_push (self, "reset");
  gtk_widget_grab_focus (GTK_WIDGET (code != NULL ? self->reset_password : self->reset_code));
}

static void
forgot_clicked_cb (KsSetupView *self)
{
  g_autofree char *username = ks_setup_view_get_text (self->forgot_username);

  if (*username == '\0')
    {
      ks_setup_view_set_error (self->forgot_error, _ ("Enter your username."));
      return;
    }
  remember_credentials (self, username, NULL);
  ks_cognito_client_forgot_password_async (ks_account_get_cognito (self->account), username,
                                           self->cancellable, forgot_cb,
                                           form_request_new (self, self->forgot_button,
                                                             self->forgot_error));
}

static void
reset_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (FormRequest) request = user_data;
  KsSetupView *self = request->self;
  g_autoptr (GError) error = NULL;

  if (!ks_cognito_client_confirm_forgot_password_finish (KS_COGNITO_CLIENT (source), result, &error))
    {
      form_request_done (request, error);
      return;
    }
  if (!form_request_done (request, NULL))
    return;

  ks_setup_forms_sign_in (self, self->username, self->password, self->reset_button, self->reset_error);
}

static void
reset_clicked_cb (KsSetupView *self)
{
  g_autofree char *code = ks_setup_view_get_text (self->reset_code);
  const char      *password = gtk_editable_get_text (GTK_EDITABLE (self->reset_password));

  if (*code == '\0' || *password == '\0')
    {
      ks_setup_view_set_error (self->reset_error,
                               gtk_widget_get_visible (GTK_WIDGET (self->reset_code))
                                   ? _ ("Enter the code from the email and a new password.")
                                   : _ ("Enter a new password."));
      return;
    }
  remember_credentials (self, self->username, password);
  ks_cognito_client_confirm_forgot_password_async (ks_account_get_cognito (self->account),
                                                   self->username, code, password,
                                                   self->cancellable, reset_cb,
                                                   form_request_new (self, self->reset_button,
                                                                     self->reset_error));
}

/* --- Moving between the forms */

static void
show_sign_up_cb (KsSetupView *self)
{
  ks_setup_view_set_error (self->sign_up_error, NULL);
  ks_setup_view_replace (self, "sign-up");
  gtk_widget_grab_focus (GTK_WIDGET (self->sign_up_username));
}

static void
show_sign_in_cb (KsSetupView *self)
{
  ks_setup_view_set_error (self->sign_in_error, NULL);
  ks_setup_view_replace (self, "sign-in");
  gtk_widget_grab_focus (GTK_WIDGET (self->sign_in_username));
}

static void
show_forgot_cb (KsSetupView *self)
{
  g_autofree char *username = ks_setup_view_get_text (self->sign_in_username);

  gtk_editable_set_text (GTK_EDITABLE (self->forgot_username), username);
  ks_setup_view_set_error (self->forgot_error, NULL);
  ks_setup_view_push (self, "forgot");
  gtk_widget_grab_focus (GTK_WIDGET (self->forgot_username));
}

/* Enter moves to the next field, and on the last one submits the form. */
static void
entry_activated_cb (KsSetupView *self,
                    AdwEntryRow *row)
{
  GtkWidget *next = gtk_widget_get_next_sibling (GTK_WIDGET (row));
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (row), ADW_TYPE_STATUS_PAGE);
  GtkButton *buttons[] = { self->connect_button, self->sign_in_button, self->sign_up_button,
                           self->confirm_button, self->forgot_button, self->reset_button };

  while (next != NULL && !gtk_widget_get_visible (next))
    next = gtk_widget_get_next_sibling (next);
  if (ADW_IS_ENTRY_ROW (next))
    {
      gtk_widget_grab_focus (next);
      return;
    }

  /* The last field submits its page's form. */
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    if (gtk_widget_is_ancestor (GTK_WIDGET (buttons[i]), page) && gtk_widget_get_sensitive (GTK_WIDGET (buttons[i])))
      g_signal_emit_by_name (buttons[i], "clicked");
}

/* The server on this computer confirms accounts at once and mails
 * nobody: its sign-up asks for no e-mail address, and a forgotten
 * password needs no code from the user. */
void
ks_setup_forms_follow_account (KsSetupView *self)
{
  gboolean         local = self->account != NULL && ks_account_is_local (self->account);
  KsCognitoClient *cognito = self->account != NULL ? ks_account_get_cognito (self->account) : NULL;
  /* What the server's password policy asks, before anyone tries. */
  g_autofree char *hint = cognito != NULL ? ks_cognito_client_describe_password_policy (cognito) : NULL;

  gtk_label_set_text (self->sign_up_hint, hint != NULL ? hint : "");
  gtk_widget_set_visible (GTK_WIDGET (self->sign_up_hint), hint != NULL);
  gtk_label_set_text (self->reset_hint, hint != NULL ? hint : "");
  gtk_widget_set_visible (GTK_WIDGET (self->reset_hint), hint != NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->sign_up_email), !local);
  adw_status_page_set_description (self->forgot_page,
                                   local ? _ ("Enter your username to choose a new password.")
                                         : _ ("Enter your username. A code to choose a new "
                                              "password will be sent to your email address."));
  gtk_button_set_label (self->forgot_button, local ? _ ("_Continue") : _ ("_Send Code"));
  g_object_set_data (G_OBJECT (self->forgot_button), "ks-label", NULL);
}

void
ks_setup_forms_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_in_page);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_in_username);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_in_password);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_in_error);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_up_username);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_up_email);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_up_password);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_up_hint);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_up_error);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, sign_up_button);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, confirm_page);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, confirm_code);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, confirm_error);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, confirm_button);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, forgot_page);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, forgot_username);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, forgot_error);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, forgot_button);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, reset_page);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, reset_code);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, reset_password);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, reset_hint);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, reset_error);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, reset_button);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_up_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, confirm_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, resend_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, forgot_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_sign_up_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_sign_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_forgot_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
}
