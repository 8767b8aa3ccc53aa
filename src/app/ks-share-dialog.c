/* ks-share-dialog.c: who can see an album, and its links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-albums-view.h"
#include "ks-cloud-error.h"
#include "ks-share-dialog.h"

struct _KsShareDialog
{
  AdwPreferencesWindow parent_instance;

  KsApiClient  *api;
  char         *album_id;
  GHashTable   *link_urls; /* link id -> URL, for links made here */
  GCancellable *cancellable;

  AdwEntryRow *username_row;
  GtkDropDown *role_dropdown;
  GtkLabel    *people_error;
  GtkListBox  *members_list;
  AdwComboRow *expiry_row;
  GtkWidget   *create_link_row;
  GtkWidget   *links_group;
  GtkListBox  *links_list;
};

G_DEFINE_FINAL_TYPE (KsShareDialog, ks_share_dialog, ADW_TYPE_PREFERENCES_WINDOW)

static const gint64 expiry_seconds[] = { 3600, 86400, 7 * 86400, 30 * 86400 };

static void load_members (KsShareDialog *self);
static void load_links (KsShareDialog *self);

static void
toast (KsShareDialog *self,
       const char    *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
icon_button_new (const char *icon_name,
                 const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

/* --- Members */

static void
member_removed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (KsShareDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ks_api_client_remove_member_finish (KS_API_CLIENT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  load_members (self);
}

static void
remove_member_clicked_cb (GtkButton     *button,
                          KsShareDialog *self)
{
  const char *username = g_object_get_data (G_OBJECT (button), "ks-username");

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  ks_api_client_remove_member_async (self->api, self->album_id, username, self->cancellable,
                                     member_removed_cb, g_object_ref (self));
}

static GtkWidget *
member_row_new (KsShareDialog  *self,
                const KsMember *member)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *avatar = adw_avatar_new (32, member->username, TRUE);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), member->username);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), ks_album_role_to_label (member->role));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);

  if (g_strcmp0 (member->role, "owner") != 0)
    {
      g_autofree char *tooltip = g_strdup_printf (_ ("Remove %s"), member->username);
      GtkWidget       *button = icon_button_new ("user-trash-symbolic", tooltip);

      g_object_set_data_full (G_OBJECT (button), "ks-username", g_strdup (member->username), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (remove_member_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
members_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KsShareDialog) self = user_data;
  g_autoptr (GPtrArray) members = NULL;
  g_autoptr (GError) error = NULL;

  members = ks_api_client_list_members_finish (KS_API_CLIENT (source), result, &error);
  if (members == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }

  clear_list (self->members_list);
  for (guint i = 0; i < members->len; i++)
    gtk_list_box_append (self->members_list, member_row_new (self, g_ptr_array_index (members, i)));
}

static void
load_members (KsShareDialog *self)
{
  ks_api_client_list_members_async (self->api, self->album_id, self->cancellable, members_cb,
                                    g_object_ref (self));
}

static void
member_added_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KsShareDialog) self = user_data;
  g_autoptr (KsMember) member = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->username_row), TRUE);
  member = ks_api_client_add_member_finish (KS_API_CLIENT (source), result, &error);
  if (member == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The server says 404 for a name it has no account for (or, with
       * an outside sign-in service, nobody has signed in as yet). */
      if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_FOUND))
        message = g_strdup_printf (_ ("Nobody called “%s” uses this server yet: check the "
                                      "name, or ask them to make an account and sign in."),
                                   gtk_editable_get_text (GTK_EDITABLE (self->username_row)));
      else if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFLICT))
        message = g_strdup (_ ("They are already in this album."));
      else
        message = g_strdup (error->message);
      gtk_label_set_label (self->people_error, message);
      gtk_widget_set_visible (GTK_WIDGET (self->people_error), TRUE);
      return;
    }

  message = g_strdup_printf (_ ("%s can now see this album"), member->username);
  toast (self, message);
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), "");
  load_members (self);
}

static void
add_member_cb (KsShareDialog *self)
{
  g_autofree char *username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  const char      *role = gtk_drop_down_get_selected (self->role_dropdown) == 1 ? "contributor" : "viewer";

  gtk_widget_set_visible (GTK_WIDGET (self->people_error), FALSE);
  if (*username == '\0')
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->username_row), FALSE);
  ks_api_client_add_member_async (self->api, self->album_id, username, role, self->cancellable,
                                  member_added_cb, g_object_ref (self));
}

/* --- Links */

static char *
link_expiry_text (const KsLink *link)
{
  g_autoptr (GDateTime) expires = g_date_time_new_from_iso8601 (link->expires_at, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  gint64 left;
  int    n;

  if (link->expired || expires == NULL || (left = g_date_time_difference (expires, now) / G_USEC_PER_SEC) <= 0)
    return g_strdup (_ ("Expired"));
  if (left < 3600)
    {
      n = (int) MAX (left / 60, 1);
      return g_strdup_printf (ngettext ("Expires in %d minute", "Expires in %d minutes", n), n);
    }
  if (left < 86400 - 1800)
    {
      n = (int) ((left + 1800) / 3600);
      return g_strdup_printf (ngettext ("Expires in %d hour", "Expires in %d hours", n), n);
    }
  n = (int) ((left + 43200) / 86400);
  return g_strdup_printf (ngettext ("Expires in %d day", "Expires in %d days", n), n);
}

static void
copy_url (KsShareDialog *self,
          const char    *url)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), url);
  toast (self, _ ("Link copied"));
}

static void
copy_clicked_cb (GtkButton     *button,
                 KsShareDialog *self)
{
  copy_url (self, g_object_get_data (G_OBJECT (button), "ks-url"));
}

static void
link_revoked_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KsShareDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ks_api_client_revoke_link_finish (KS_API_CLIENT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  toast (self, _ ("Link revoked"));
  load_links (self);
}

static void
revoke_clicked_cb (GtkButton     *button,
                   KsShareDialog *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  ks_api_client_revoke_link_async (self->api, self->album_id,
                                   g_object_get_data (G_OBJECT (button), "ks-link-id"),
                                   self->cancellable, link_revoked_cb, g_object_ref (self));
}

static GtkWidget *
link_row_new (KsShareDialog *self,
              const KsLink  *link)
{
  GtkWidget       *row = adw_action_row_new ();
  g_autofree char *title = link_expiry_text (link);
  const char      *url = g_hash_table_lookup (self->link_urls, link->id);
  GtkWidget       *button;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  /* The server keeps only a hash of older links' tokens. */
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               url != NULL ? url : _ ("Copied when it was created"));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("ks-link-symbolic"));

  if (url != NULL && !link->expired)
    {
      button = icon_button_new ("edit-copy-symbolic", _ ("Copy Link"));
      g_object_set_data_full (G_OBJECT (button), "ks-url", g_strdup (url), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (copy_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }

  button = icon_button_new ("user-trash-symbolic", _ ("Revoke Link"));
  g_object_set_data_full (G_OBJECT (button), "ks-link-id", g_strdup (link->id), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (revoke_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

static void
links_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (KsShareDialog) self = user_data;
  g_autoptr (GPtrArray) links = NULL;
  g_autoptr (GError) error = NULL;

  links = ks_api_client_list_links_finish (KS_API_CLIENT (source), result, &error);
  if (links == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }

  clear_list (self->links_list);
  for (guint i = 0; i < links->len; i++)
    gtk_list_box_append (self->links_list, link_row_new (self, g_ptr_array_index (links, i)));
  gtk_widget_set_visible (self->links_group, links->len > 0);
}

static void
load_links (KsShareDialog *self)
{
  ks_api_client_list_links_async (self->api, self->album_id, self->cancellable, links_cb,
                                  g_object_ref (self));
}

static void
link_created_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KsShareDialog) self = user_data;
  g_autoptr (KsLink) link = NULL;
  g_autoptr (GError) error = NULL;

  gtk_widget_set_sensitive (self->create_link_row, TRUE);
  link = ks_api_client_create_link_finish (KS_API_CLIENT (source), result, &error);
  if (link == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, error->message);
      return;
    }
  if (link->url != NULL)
    {
      g_hash_table_insert (self->link_urls, g_strdup (link->id), g_strdup (link->url));
      copy_url (self, link->url);
    }
  load_links (self);
}

static void
create_link_cb (KsShareDialog *self)
{
  guint selected = adw_combo_row_get_selected (self->expiry_row);

  if (selected >= G_N_ELEMENTS (expiry_seconds))
    selected = 1;
  gtk_widget_set_sensitive (self->create_link_row, FALSE);
  ks_api_client_create_link_async (self->api, self->album_id, expiry_seconds[selected],
                                   self->cancellable, link_created_cb, g_object_ref (self));
}

/* --- GObject */

static void
ks_share_dialog_dispose (GObject *object)
{
  KsShareDialog *self = KS_SHARE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->api);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_SHARE_DIALOG);

  G_OBJECT_CLASS (ks_share_dialog_parent_class)->dispose (object);
}

static void
ks_share_dialog_finalize (GObject *object)
{
  KsShareDialog *self = KS_SHARE_DIALOG (object);

  g_free (self->album_id);
  g_hash_table_unref (self->link_urls);

  G_OBJECT_CLASS (ks_share_dialog_parent_class)->finalize (object);
}

static void
ks_share_dialog_class_init (KsShareDialogClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_share_dialog_dispose;
  object_class->finalize = ks_share_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-share-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KsShareDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, KsShareDialog, role_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KsShareDialog, people_error);
  gtk_widget_class_bind_template_child (widget_class, KsShareDialog, members_list);
  gtk_widget_class_bind_template_child (widget_class, KsShareDialog, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, KsShareDialog, create_link_row);
  gtk_widget_class_bind_template_child (widget_class, KsShareDialog, links_group);
  gtk_widget_class_bind_template_child (widget_class, KsShareDialog, links_list);
  gtk_widget_class_bind_template_callback (widget_class, add_member_cb);
  gtk_widget_class_bind_template_callback (widget_class, create_link_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ks_share_dialog_init (KsShareDialog *self)
{
  self->link_urls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  /* A day: long enough to be seen, short enough to forget safely. */
  adw_combo_row_set_selected (self->expiry_row, 1);
}

KsShareDialog *
ks_share_dialog_new (KsApiClient *api,
                     const char  *album_id,
                     const char  *album_name)
{
  KsShareDialog   *self = g_object_new (KS_TYPE_SHARE_DIALOG, NULL);
  g_autofree char *title = g_strdup_printf (_ ("Share “%s”"), album_name);

  gtk_window_set_title (GTK_WINDOW (self), title);
  self->api = g_object_ref (api);
  self->album_id = g_strdup (album_id);
  load_members (self);
  load_links (self);
  return self;
}
