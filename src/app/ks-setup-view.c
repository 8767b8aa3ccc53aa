/* ks-setup-view.c: first run: where photos live, then signing in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-setup-view-private.h"

G_DEFINE_FINAL_TYPE (KsSetupView, ks_setup_view, GTK_TYPE_WIDGET)

enum
{
  TOAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- Helpers the forms share */

void
ks_setup_view_toast (KsSetupView *self,
                     const char  *message)
{
  g_signal_emit (self, signals[TOAST], 0, message);
}

void
ks_setup_view_set_error (GtkLabel   *label,
                         const char *message)
{
  gtk_label_set_label (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

/* A spinner replaces the label while the button's request runs, and the
 * page's other controls stay usable. */
void
ks_setup_view_set_busy (GtkButton *button,
                        gboolean   busy)
{
  const char *label = g_object_get_data (G_OBJECT (button), "ks-label");
  GtkWidget  *spinner;

  if (busy)
    {
      if (label == NULL)
        g_object_set_data_full (G_OBJECT (button), "ks-label",
                                g_strdup (gtk_button_get_label (button)), g_free);
      spinner = gtk_spinner_new ();
      gtk_spinner_start (GTK_SPINNER (spinner));
      gtk_button_set_child (button, spinner);
    }
  else if (label != NULL)
    {
      gtk_button_set_label (button, label);
      gtk_button_set_use_underline (button, TRUE);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (button), !busy);
}

char *
ks_setup_view_get_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

/* --- Navigation */

static void update_known_accounts (KsSetupView *self);

static void
show_top (KsSetupView *self)
{
  const char *page = g_ptr_array_index (self->history, self->history->len - 1);

  if (g_str_equal (page, "welcome"))
    update_known_accounts (self);
  gtk_stack_set_visible_child_name (self->stack, page);
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), self->history->len > 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "setup.back", self->history->len > 1);
}

void
ks_setup_view_push (KsSetupView *self,
                    const char  *page)
{
  g_ptr_array_add (self->history, g_strdup (page));
  show_top (self);
}

void
ks_setup_view_replace (KsSetupView *self,
                       const char  *page)
{
  g_ptr_array_set_size (self->history, self->history->len - 1);
  ks_setup_view_push (self, page);
}

/* Stops whatever a page was doing (its callbacks see the cancellation
 * and leave the view alone) and makes its buttons usable again. */
static void
stop_pending (KsSetupView *self)
{
  GtkButton *buttons[] = {
    self->connect_button,
    self->sign_in_button,
    self->sign_up_button,
    self->confirm_button,
    self->forgot_button,
    self->reset_button,
  };

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    ks_setup_view_set_busy (buttons[i], FALSE);
  gtk_stack_set_visible_child_name (self->local_row_suffix, "arrow");
  gtk_spinner_stop (self->local_row_spinner);
  gtk_widget_set_sensitive (GTK_WIDGET (self->local_row), TRUE);
}

static void
reset_to (KsSetupView *self,
          const char  *first,
          const char  *second)
{
  stop_pending (self);

  g_ptr_array_set_size (self->history, 0);
  g_ptr_array_add (self->history, g_strdup (first));
  if (second != NULL)
    g_ptr_array_add (self->history, g_strdup (second));
  show_top (self);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  KsSetupView *self = KS_SETUP_VIEW (widget);

  if (self->history->len < 2)
    return;

  /* A connection or sign-in still under way belongs to the page left. */
  stop_pending (self);
  g_ptr_array_set_size (self->history, self->history->len - 1);
  /* Back at the choice of server: forget the one chosen (and stop the
   * local server) so the choice is a real one. */
  if (self->history->len == 1 && self->account != NULL)
    ks_account_disconnect (self->account);
  show_top (self);
}

static void
update_sign_in_description (KsSetupView *self)
{
  g_autofree char *description = NULL;
  const char      *url = self->account != NULL ? ks_account_get_server_url (self->account) : NULL;
  g_autoptr (GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  if (self->account != NULL && ks_account_is_local (self->account))
    description = g_strdup (_ ("Use the account you made on this computer."));
  else if (uri != NULL && g_uri_get_host (uri) != NULL)
    description = g_strdup_printf (_ ("Use your account on %s."), g_uri_get_host (uri));
  adw_status_page_set_description (self->sign_in_page, description);
  ks_setup_forms_follow_account (self);
}

static void
known_row_activated_cb (AdwActionRow *row,
                        KsSetupView  *self)
{
  const char *name = g_object_get_data (G_OBJECT (row), "ks-profile");

  /* The window opens it as on a later launch: signed in still when the
   * keyring has the session, else its sign-in page. */
  ks_setup_view_set_error (self->welcome_error, NULL);
  ks_account_choose_profile (self->account, name);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.retry", NULL);
}

static GtkWidget *
known_row_new (KsSetupView     *self,
               const KsProfile *profile)
{
  g_autoptr (GUri) uri = g_uri_parse (profile->url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *title = g_strdup_printf (_ ("Continue as %s"), profile->username);
  g_autofree char *subtitle = NULL;
  g_autofree char *name = g_strconcat ("known-", profile->name, NULL);
  GtkWidget       *row = adw_action_row_new ();
  GtkWidget       *icon = gtk_image_new_from_icon_name ("avatar-default-symbolic");

  if (g_str_equal (profile->name, KS_LOCAL_PROFILE))
    subtitle = g_strdup (_ ("On this computer"));
  else if (uri == NULL || g_uri_get_host (uri) == NULL)
    subtitle = g_strdup_printf (_ ("On %s"), profile->url);
  else if (g_uri_get_port (uri) > 0)
    subtitle = g_strdup_printf (_ ("On %s:%d"), g_uri_get_host (uri), g_uri_get_port (uri));
  else
    subtitle = g_strdup_printf (_ ("On %s"), g_uri_get_host (uri));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_image_set_pixel_size (GTK_IMAGE (icon), 32);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "ks-profile", g_strdup (profile->name), g_free);
  gtk_widget_set_name (row, name);
  g_signal_connect (row, "activated", G_CALLBACK (known_row_activated_cb), self);
  return row;
}

/* The accounts used on this computer before, the app's or keepsake-cli's,
 * each a click from its library. */
static void
update_known_accounts (KsSetupView *self)
{
  g_autoptr (GPtrArray) profiles = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->known_list))) != NULL)
    gtk_list_box_remove (self->known_list, child);
  if (self->account == NULL)
    return;

  profiles = ks_account_list_known_profiles (self->account);
  for (guint i = 0; i < profiles->len; i++)
    gtk_list_box_append (self->known_list, known_row_new (self, g_ptr_array_index (profiles, i)));
  gtk_widget_set_visible (GTK_WIDGET (self->known_list), profiles->len > 0);
  adw_status_page_set_description (self->welcome_page,
                                   profiles->len > 0
                                       ? _ ("Share photos with friends. Continue with an account used "
                                            "here before, or choose where your photos are kept.")
                                       : _ ("Share photos with friends. First, choose where your "
                                            "photos are kept."));
}

void
ks_setup_view_show_welcome (KsSetupView *self)
{
  g_return_if_fail (KS_IS_SETUP_VIEW (self));

  ks_setup_view_set_error (self->welcome_error, NULL);
  reset_to (self, "welcome", NULL);
}

void
ks_setup_view_show_sign_in (KsSetupView *self,
                            const char  *message)
{
  const char *username;

  g_return_if_fail (KS_IS_SETUP_VIEW (self));

  username = ks_account_get_last_username (self->account);
  gtk_editable_set_text (GTK_EDITABLE (self->sign_in_username), username != NULL ? username : "");
  gtk_editable_set_text (GTK_EDITABLE (self->sign_in_password), "");
  ks_setup_view_set_error (self->sign_in_error, message);
  ks_setup_view_set_busy (self->sign_in_button, FALSE);
  update_sign_in_description (self);
  reset_to (self, "welcome", "sign-in");
  gtk_widget_grab_focus (GTK_WIDGET (username != NULL ? self->sign_in_password : self->sign_in_username));
}

/* --- Welcome and server pages */

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (KsSetupView) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = ks_account_connect_finish (KS_ACCOUNT (source), result, &error);
  gboolean local = ks_account_is_local (self->account);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  gtk_stack_set_visible_child_name (self->local_row_suffix, "arrow");
  gtk_spinner_stop (self->local_row_spinner);
  gtk_widget_set_sensitive (GTK_WIDGET (self->local_row), TRUE);
  ks_setup_view_set_busy (self->connect_button, FALSE);

  if (!ok)
    {
      ks_setup_view_set_error (g_str_equal (gtk_stack_get_visible_child_name (self->stack), "server")
                                   ? self->server_error
                                   : self->welcome_error,
                               error->message);
      return;
    }

  update_sign_in_description (self);
  /* A fresh local server has nobody on it yet: start with an account. */
  if (local && ks_account_get_last_username (self->account) == NULL)
    {
      ks_setup_view_push (self, "sign-up");
      gtk_widget_grab_focus (GTK_WIDGET (self->sign_up_username));
    }
  else
    {
      const char *username = ks_account_get_last_username (self->account);

      gtk_editable_set_text (GTK_EDITABLE (self->sign_in_username), username != NULL ? username : "");
      ks_setup_view_push (self, "sign-in");
      gtk_widget_grab_focus (GTK_WIDGET (username != NULL ? self->sign_in_password : self->sign_in_username));
    }
}

static void
local_row_activated_cb (KsSetupView *self)
{
  ks_setup_view_set_error (self->welcome_error, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->local_row), FALSE);
  gtk_stack_set_visible_child_name (self->local_row_suffix, "spinner");
  gtk_spinner_start (self->local_row_spinner);
  ks_account_connect_async (self->account, NULL, self->cancellable, connected_cb, g_object_ref (self));
}

static void
remote_row_activated_cb (KsSetupView *self)
{
  ks_setup_view_set_error (self->welcome_error, NULL);
  ks_setup_view_set_error (self->server_error, NULL);
  ks_setup_view_push (self, "server");
  gtk_widget_grab_focus (GTK_WIDGET (self->server_entry));
}

static void
connect_clicked_cb (KsSetupView *self)
{
  g_autofree char *text = ks_setup_view_get_text (self->server_entry);
  g_autofree char *url = NULL;

  if (*text == '\0')
    {
      ks_setup_view_set_error (self->server_error, _ ("Enter the address of the server."));
      return;
    }

  url = ks_profile_url_from_address (text);
  ks_setup_view_set_error (self->server_error, NULL);
  ks_setup_view_set_busy (self->connect_button, TRUE);
  ks_account_connect_async (self->account, url, self->cancellable, connected_cb, g_object_ref (self));
}

/* --- GObject */

static void
ks_setup_view_dispose (GObject *object)
{
  GtkWidget   *child;
  KsSetupView *self = KS_SETUP_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  ks_setup_forms_forget_secrets (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_SETUP_VIEW);
  /* The template's root is not a bound child. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ks_setup_view_parent_class)->dispose (object);
}

static void
ks_setup_view_finalize (GObject *object)
{
  KsSetupView *self = KS_SETUP_VIEW (object);

  g_ptr_array_unref (self->history);
  g_free (self->username);

  G_OBJECT_CLASS (ks_setup_view_parent_class)->finalize (object);
}

static void
ks_setup_view_class_init (KsSetupViewClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_setup_view_dispose;
  object_class->finalize = ks_setup_view_finalize;

  signals[TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-setup-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, back_button);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, stack);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, known_list);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, local_row);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, local_row_suffix);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, local_row_spinner);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, remote_row);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, welcome_error);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, server_entry);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, server_error);
  gtk_widget_class_bind_template_child (widget_class, KsSetupView, connect_button);
  gtk_widget_class_bind_template_callback (widget_class, local_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, remote_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, connect_clicked_cb);
  /* The window sends its Back (Alt+Left) here while these pages show. */
  gtk_widget_class_install_action (widget_class, "setup.back", NULL, back_action);
  ks_setup_forms_class_init (widget_class);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ks_setup_view_init (KsSetupView *self)
{
  self->history = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_status_page_set_icon_name (self->welcome_page, APP_ID);
  reset_to (self, "welcome", NULL);
}

void
ks_setup_view_set_account (KsSetupView *self,
                           KsAccount   *account)
{
  g_return_if_fail (KS_IS_SETUP_VIEW (self));

  g_set_object (&self->account, account);
}
