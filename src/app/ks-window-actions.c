/* ks-window-actions.c: the window's actions, dialogs and drops
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-photo-export.h"
#include "ks-share-dialog.h"
#include "ks-window-private.h"

/* --- Navigation */

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "main") != 0)
    return;
  ks_window_show_page (self, g_variant_get_string (parameter, NULL));
  /* Ctrl+1…4 take the keyboard to the page, so that its keys (Ctrl+A,
   * Enter, the arrows) work at once. */
  ks_window_focus_page (self);
}

static void
go_back_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "setup") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self->setup_view), "setup.back", NULL);
  else if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "album") == 0)
    ks_window_show_page (self, self->return_page != NULL ? self->return_page : "albums");
  else if (adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->library != NULL)
    ks_photo_list_reload (self->library);
  if (self->album_photos != NULL)
    ks_photo_list_reload (self->album_photos);
  ks_albums_view_reload (self->albums_view);
  ks_albums_view_reload (self->shared_view);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  ks_window_open_account (KS_WINDOW (widget));
}

/* win.pause-uploads / win.resume-uploads: the popover's toggle, and the
 * way scripts and tests reach it over D-Bus. Dropped files and synced
 * folders alike; the folder sync remembers it across restarts. */
static void
pause_uploads_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);
  gboolean  paused = g_str_equal (action_name, "win.pause-uploads");

  if (self->queue != NULL)
    ks_upload_queue_set_paused (self->queue, paused);
  if (self->engine != NULL)
    ks_sync_engine_set_paused (self->engine, paused);
}

static void
change_server_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  ks_account_disconnect (self->account);
  ks_setup_view_show_welcome (self->setup_view);
  gtk_stack_set_visible_child_name (self->main_stack, "setup");
}

/* --- Adding photos */

static void
file_chooser_response_cb (GtkNativeDialog *chooser,
                          int              response,
                          KsWindow        *self)
{
  g_autoptr (GListModel) files = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      ks_window_import_files (self, files, TRUE);
    }
  g_object_unref (chooser);
}

static void
add_photos_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  KsWindow             *self = KS_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) images = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

  /* Ctrl+O adds what the page shows: on Folders, a folder to sync. */
  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "folders") == 0)
    {
      gtk_widget_activate_action (widget, "win.choose-folder", NULL);
      return;
    }

  chooser = gtk_file_chooser_native_new (_ ("Add Photos"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Add"), NULL);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_filter_set_name (images, _ ("Photos"));
  gtk_file_filter_add_mime_type (images, "image/*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), images);
  gtk_file_filter_set_name (all, _ ("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);

  g_signal_connect (chooser, "response", G_CALLBACK (file_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* --- Window actions in the GActionMap: exported on the session bus, so
 * other programs (and the UI tests) can use them. */

/* "as": file URIs, added to the album on screen or the library. */
static void
import_uris_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  g_autoptr (GListStore) files = g_list_store_new (G_TYPE_FILE);
  g_autofree const char **uris = g_variant_get_strv (parameter, NULL);

  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr (GFile) file = g_file_new_for_uri (uris[i]);

      g_list_store_append (files, file);
    }
  ks_window_import_files (KS_WINDOW (user_data), G_LIST_MODEL (files), TRUE);
}

static void
album_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KsWindow) self = user_data;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GError) error = NULL;

  album = ks_api_client_get_album_finish (KS_API_CLIENT (source), result, &error);
  if (album == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ks_window_toast (self, error->message);
      return;
    }
  ks_window_open_album (self, album);
}

/* "s": an album id, e.g. from a notification about a friend's photos. */
static void
open_album_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  KsWindow      *self = user_data;
  const char    *id = g_variant_get_string (parameter, NULL);
  const KsAlbum *album;

  if (self->library == NULL)
    return;
  album = ks_albums_view_lookup (self->albums_view, id);
  if (album == NULL)
    album = ks_albums_view_lookup (self->shared_view, id);
  if (album != NULL)
    ks_window_open_album (self, album);
  else
    ks_api_client_get_album_async (ks_account_get_api (self->account), id, self->cancellable,
                                   album_fetched_cb, g_object_ref (self));
}

/* Pinned with its originals: never evicted, and every photo full size
 * on this computer. */
static void
album_offline_change_state (GSimpleAction *action,
                            GVariant      *value,
                            gpointer       user_data)
{
  KsWindow        *self = user_data;
  KsCache         *cache = ks_window_get_shared_cache (self);
  gboolean         offline = g_variant_get_boolean (value);
  g_autofree char *message = NULL;
  g_autoptr (GError) error = NULL;

  if (self->album == NULL || !self->album_cached || cache == NULL)
    return;
  if (!ks_cache_set_pinned (cache, self->album->id, offline, offline, &error))
    {
      message = g_strdup_printf (_ ("Could not change “%s”: %s"), self->album->name, error->message);
      ks_window_toast (self, message);
      return;
    }
  g_simple_action_set_state (action, value);
  if (offline)
    message = g_strdup_printf (_ ("“%s” is kept on this computer, full size"), self->album->name);
  else
    message = g_strdup_printf (_ ("“%s” may be removed from this computer when space is needed"),
                               self->album->name);
  ks_window_toast (self, message);
}

static const GActionEntry window_entries[] = {
  { "import-uris", import_uris_activated, "as" },
  { "open-album", open_album_activated, "s" },
  { "album-offline", NULL, NULL, "false", album_offline_change_state },
};

void
ks_window_actions_init (KsWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), window_entries,
                                   G_N_ELEMENTS (window_entries), self);
  /* Signed out until the account says otherwise. */
  ks_window_actions_update (self);
}

/* --- Drag and drop onto the window */

static void
update_drop_label (KsWindow *self)
{
  g_autofree char *label = NULL;

  if (ks_window_album_accepts_photos (self))
    label = g_strdup_printf (_ ("Drop to Add to “%s”"), self->album->name);
  else
    label = g_strdup (_ ("Drop to Add to Your Library"));
  gtk_label_set_label (self->drop_label, label);
}

static GdkDragAction
drop_enter_cb (GtkDropTarget *target,
               double         x,
               double         y,
               KsWindow      *self)
{
  update_drop_label (self);
  gtk_revealer_set_reveal_child (self->drop_revealer, TRUE);
  return GDK_ACTION_COPY;
}

static void
drop_leave_cb (GtkDropTarget *target,
               KsWindow      *self)
{
  gtk_revealer_set_reveal_child (self->drop_revealer, FALSE);
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         KsWindow      *self)
{
  g_autoptr (GListStore) files = g_list_store_new (G_TYPE_FILE);

  gtk_revealer_set_reveal_child (self->drop_revealer, FALSE);
  for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
    g_list_store_append (files, l->data);
  ks_window_import_files (self, G_LIST_MODEL (files), TRUE);
  return TRUE;
}

void
ks_window_dnd_init (KsWindow *self)
{
  GtkDropTarget *target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);

  g_signal_connect (target, "accept", G_CALLBACK (ks_photo_export_accept_external_drop), NULL);
  g_signal_connect (target, "enter", G_CALLBACK (drop_enter_cb), self);
  g_signal_connect (target, "leave", G_CALLBACK (drop_leave_cb), self);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->drop_overlay), GTK_EVENT_CONTROLLER (target));
}

/* --- Albums: a name asked in a dialog */

typedef void (*NameFunc) (KsWindow   *self,
                          const char *name);

static void
name_changed_cb (GtkEditable      *entry,
                 AdwMessageDialog *dialog)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "ok", *text != '\0');
}

static void
name_response_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  KsWindow         *self)
{
  GtkEditable     *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  NameFunc         func = g_object_get_data (G_OBJECT (dialog), "ks-func");
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_str_equal (response, "ok") && *name != '\0')
    func (self, name);
}

static void
ask_name (KsWindow   *self,
          const char *heading,
          const char *ok_label,
          const char *initial,
          NameFunc    func)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, NULL);
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry), initial != NULL ? initial : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Album name"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _ ("_Cancel"), "ok", ok_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "ok",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "ok");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "ks-func", func);

  g_signal_connect (entry, "changed", G_CALLBACK (name_changed_cb), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (name_response_cb), self);
  name_changed_cb (GTK_EDITABLE (entry), ADW_MESSAGE_DIALOG (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
album_created_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KsWindow) self = user_data;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GError) error = NULL;

  album = ks_api_client_create_album_finish (KS_API_CLIENT (source), result, &error);
  if (album == NULL)
    {
      ks_window_toast (self, error->message);
      return;
    }
  ks_albums_view_reload (self->albums_view);
  ks_window_open_album (self, album);
}

static void
create_album (KsWindow   *self,
              const char *name)
{
  ks_api_client_create_album_async (ks_account_get_api (self->account), name, self->cancellable,
                                    album_created_cb, g_object_ref (self));
}

static void
new_album_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  ask_name (KS_WINDOW (widget), _ ("New Album"), _ ("C_reate"), NULL, create_album);
}

static void
album_renamed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KsWindow) self = user_data;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GError) error = NULL;

  album = ks_api_client_rename_album_finish (KS_API_CLIENT (source), result, &error);
  if (album == NULL)
    {
      ks_window_toast (self, error->message);
      return;
    }
  ks_albums_view_reload (self->albums_view);
  if (self->album != NULL && g_str_equal (self->album->id, album->id))
    {
      g_free (self->album->name);
      self->album->name = g_strdup (album->name);
      ks_window_show_page (self, "album");
    }
}

static void
rename_album (KsWindow   *self,
              const char *name)
{
  if (self->album == NULL)
    return;
  ks_api_client_rename_album_async (ks_account_get_api (self->account), self->album->id, name,
                                    self->cancellable, album_renamed_cb, g_object_ref (self));
}

static void
rename_album_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->album != NULL)
    ask_name (self, _ ("Rename Album"), _ ("_Rename"), self->album->name, rename_album);
}

/* --- Albums: deleting and leaving */

static void
album_gone (KsWindow *self,
            GError   *error)
{
  if (error != NULL)
    {
      ks_window_toast (self, error->message);
      return;
    }
  ks_albums_view_reload (self->albums_view);
  ks_albums_view_reload (self->shared_view);
  if (self->album != NULL)
    ks_window_show_page (self, self->return_page != NULL ? self->return_page : "albums");
}

static void
album_deleted_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KsWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  ks_api_client_delete_album_finish (KS_API_CLIENT (source), result, &error);
  album_gone (self, error);
}

static void
album_left_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (KsWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  ks_api_client_remove_member_finish (KS_API_CLIENT (source), result, &error);
  album_gone (self, error);
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     KsWindow         *self)
{
  KsApiClient *api = ks_account_get_api (self->account);

  if (self->album == NULL || !g_str_equal (response, "ok"))
    return;
  if (g_str_equal (self->album->role, "owner"))
    ks_api_client_delete_album_async (api, self->album->id, self->cancellable, album_deleted_cb,
                                      g_object_ref (self));
  else
    ks_api_client_remove_member_async (api, self->album->id, ks_account_get_username (self->account),
                                       self->cancellable, album_left_cb, g_object_ref (self));
}

static void
confirm_album_gone (KsWindow   *self,
                    const char *heading,
                    const char *body,
                    const char *ok_label)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _ ("_Cancel"), "ok", ok_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "ok",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (confirm_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
delete_album_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KsWindow        *self = KS_WINDOW (widget);
  g_autofree char *heading = NULL;

  if (self->album == NULL)
    return;
  heading = g_strdup_printf (_ ("Delete “%s”?"), self->album->name);
  confirm_album_gone (self, heading,
                      _ ("Everyone it is shared with loses it, and its links stop working. "
                         "The photos stay in your library."),
                      _ ("_Delete"));
}

static void
leave_album_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KsWindow        *self = KS_WINDOW (widget);
  g_autofree char *heading = NULL;

  if (self->album == NULL)
    return;
  heading = g_strdup_printf (_ ("Leave “%s”?"), self->album->name);
  confirm_album_gone (self, heading,
                      _ ("You will no longer see its photos. Photos you added stay in the album."),
                      _ ("_Leave"));
}

static void
share_album_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KsWindow      *self = KS_WINDOW (widget);
  KsShareDialog *dialog;

  if (self->album == NULL)
    return;
  dialog = ks_share_dialog_new (ks_account_get_api (self->account), self->album->id,
                                self->album->name);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- Wiring */

static void
update_offline_action (KsWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "album-offline");
  KsCache *cache = ks_window_get_shared_cache (self);
  g_autoptr (KsCachedAlbum) cached = NULL;

  if (self->album != NULL && self->album_cached && cache != NULL)
    cached = ks_cache_get_album (cache, self->album->id, NULL);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), cached != NULL);
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_boolean (cached != NULL && cached->pinned && cached->keep_originals));
}

void
ks_window_actions_update (KsWindow *self)
{
  gboolean in_album = self->album != NULL;
  gboolean owner = in_album && g_strcmp0 (self->album->role, "owner") == 0;
  gboolean signed_in = self->library != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.share-album", owner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rename-album", owner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-album", owner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave-album", in_album && !owner);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-album", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-photos", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.reload", signed_in);
  update_offline_action (self);
}

void
ks_window_actions_class_init (GtkWidgetClass *widget_class)
{
  struct
  {
    const char *page;
    guint       key;
  } pages[] = {
    { "library", GDK_KEY_1 },
    { "albums", GDK_KEY_2 },
    { "shared", GDK_KEY_3 },
    { "folders", GDK_KEY_4 },
  };

  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back_action);
  gtk_widget_class_install_action (widget_class, "win.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "win.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "win.pause-uploads", NULL, pause_uploads_action);
  gtk_widget_class_install_action (widget_class, "win.resume-uploads", NULL, pause_uploads_action);
  gtk_widget_class_install_action (widget_class, "win.change-server", NULL, change_server_action);
  gtk_widget_class_install_action (widget_class, "win.add-photos", NULL, add_photos_action);
  gtk_widget_class_install_action (widget_class, "win.new-album", NULL, new_album_action);
  gtk_widget_class_install_action (widget_class, "win.rename-album", NULL, rename_album_action);
  gtk_widget_class_install_action (widget_class, "win.delete-album", NULL, delete_album_action);
  gtk_widget_class_install_action (widget_class, "win.leave-album", NULL, leave_album_action);
  gtk_widget_class_install_action (widget_class, "win.share-album", NULL, share_album_action);

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    gtk_widget_class_add_binding_action (widget_class, pages[i].key, GDK_CONTROL_MASK,
                                         "win.show-page", "s", pages[i].page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.go-back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.add-photos", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-album", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "win.rename-album", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.share-album", NULL);
}
