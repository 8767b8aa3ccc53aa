/* ks-window-folders.c: the window's side of folder sync
 *
 * The engine belongs to the application's KsSyncService; the window
 * shows it (the Folders page, the sync indicator), adds folders to it
 * (a file chooser and an album choice, a dropped folder, the
 * win.add-folder action) and puts what it uploads into the library.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-window-private.h"

/* Photos the engine uploaded are shown this long after, together. */
#define SYNCED_FLUSH_MS 1000
/* More than this at once: the library is listed again instead. */
#define SYNCED_MAX_FETCHES 20
/* Dropped items looked at for folders. */
#define MAX_OFFERS 4

/* --- Adding a folder */

/* @spec: "default" (or ""), "none", "id:ALBUM-ID" or "name:ALBUM NAME". */
static gboolean
parse_album_spec (const char  *spec,
                  KsSyncAlbum *out_album,
                  const char **out_value)
{
  *out_value = NULL;
  if (*spec == '\0' || g_str_equal (spec, "default"))
    *out_album = KS_SYNC_ALBUM_DEFAULT;
  else if (g_str_equal (spec, "none"))
    *out_album = KS_SYNC_ALBUM_NONE;
  else if (g_str_has_prefix (spec, "id:") && spec[3] != '\0')
    {
      *out_album = KS_SYNC_ALBUM_ID;
      *out_value = spec + 3;
    }
  else if (g_str_has_prefix (spec, "name:") && spec[5] != '\0')
    {
      *out_album = KS_SYNC_ALBUM_NAMED;
      *out_value = spec + 5;
    }
  else
    return FALSE;
  return TRUE;
}

static void
add_folder (KsWindow   *self,
            const char *path,
            const char *spec)
{
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  const char      *value;
  KsSyncAlbum      album;

  if (!g_path_is_absolute (path) || !parse_album_spec (spec, &album, &value))
    {
      g_warning ("win.add-folder: “%s”, “%s” is not an absolute path and an album", path, spec);
      return;
    }
  if (self->engine == NULL)
    {
      ks_window_toast (self, _ ("Folders can’t be synced right now."));
      return;
    }

  folder = g_file_new_for_path (path);
  if (!ks_sync_engine_add_folder (self->engine, folder, album, value, &error))
    {
      ks_window_toast (self, error->message);
      return;
    }
  name = g_path_get_basename (path);
  message = g_strdup_printf (_ ("Keeping “%s” in sync"), name);
  ks_window_toast (self, message);
  ks_folders_view_refresh (self->folders_view);
}

/* "(ss)": an absolute path and where its photos go (parse_album_spec). */
static void
add_folder_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  const char *path, *spec;

  g_variant_get (parameter, "(&s&s)", &path, &spec);
  add_folder (user_data, path, spec);
}

/* --- Which album: a dialog */

static void
album_picked_cb (GtkDropDown    *dropdown,
                 GParamSpec     *pspec,
                 GtkCheckButton *existing_check)
{
  gtk_check_button_set_active (existing_check, TRUE);
}

static void
albums_listed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GObject) dialog = user_data;
  GtkDropDown     *dropdown = g_object_get_data (dialog, "ks-dropdown");
  AdwActionRow    *row = g_object_get_data (dialog, "ks-existing-row");
  const char      *folder_name = g_object_get_data (dialog, "ks-name");
  gboolean         name_taken = FALSE;
  g_autofree char *named = NULL;
  GtkStringList   *names = gtk_string_list_new (NULL);
  GPtrArray       *ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (GError) error = NULL;

  albums = ks_api_client_list_albums_finish (KS_API_CLIENT (source), result, &error);
  if (albums != NULL)
    g_ptr_array_set_free_func (albums, (GDestroyNotify) ks_album_free);
  for (guint i = 0; albums != NULL && i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);

      if (g_strcmp0 (album->role, "owner") != 0)
        continue;
      gtk_string_list_append (names, album->name);
      g_ptr_array_add (ids, g_strdup (album->id));
      name_taken |= g_strcmp0 (album->name, folder_name) == 0;
    }
  /* The engine takes an album of that name before it makes one. */
  named = g_strdup_printf (name_taken ? _ ("“%s”, one of your albums") : _ ("“%s”, made on the first upload"),
                           folder_name);
  if (albums != NULL)
    adw_action_row_set_subtitle (g_object_get_data (dialog, "ks-named-row"), named);
  g_object_set_data_full (dialog, "ks-album-ids", ids, (GDestroyNotify) g_ptr_array_unref);
  gtk_drop_down_set_model (dropdown, G_LIST_MODEL (names));
  g_object_unref (names);
  /* Picking an album chooses that row; setting the list does not. */
  g_signal_connect_object (dropdown, "notify::selected", G_CALLBACK (album_picked_cb),
                           g_object_get_data (dialog, "ks-existing-check"), 0);
  gtk_widget_set_sensitive (GTK_WIDGET (dropdown), ids->len > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (row), ids->len > 0);
  if (albums == NULL)
    adw_action_row_set_subtitle (row, error->message);
  else if (ids->len == 0)
    adw_action_row_set_subtitle (row, _ ("You have no albums yet"));
}

static void
folder_dialog_response_cb (AdwMessageDialog *dialog,
                           const char       *response,
                           KsWindow         *self)
{
  const char      *path = g_object_get_data (G_OBJECT (dialog), "ks-path");
  GtkDropDown     *dropdown = g_object_get_data (G_OBJECT (dialog), "ks-dropdown");
  GPtrArray       *ids = g_object_get_data (G_OBJECT (dialog), "ks-album-ids");
  guint            selected = gtk_drop_down_get_selected (dropdown);
  g_autofree char *spec = NULL;

  if (!g_str_equal (response, "add"))
    return;
  if (gtk_check_button_get_active (g_object_get_data (G_OBJECT (dialog), "ks-no-check")))
    spec = g_strdup ("none");
  else if (gtk_check_button_get_active (g_object_get_data (G_OBJECT (dialog), "ks-existing-check")) &&
           ids != NULL && selected < ids->len)
    spec = g_strconcat ("id:", (const char *) g_ptr_array_index (ids, selected), NULL);
  else
    spec = g_strdup ("default");
  add_folder (self, path, spec);
}

/* Keeps a child of the dialog for as long as the dialog object lives:
 * the album list may arrive after it was closed. */
static void
keep_child (GObject    *dialog,
            const char *key,
            GtkBuilder *builder,
            const char *id)
{
  g_object_set_data_full (dialog, key, g_object_ref (gtk_builder_get_object (builder, id)), g_object_unref);
}

static void
ask_album (KsWindow   *self,
           const char *path)
{
  g_autoptr (GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/keepsake/Keepsake/ui/ks-folder-dialog.ui");
  GObject         *dialog = gtk_builder_get_object (builder, "dialog");
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *heading = g_strdup_printf (_ ("Keep “%s” in Sync?"), name);
  g_autofree char *album = g_strdup_printf (_ ("“%s”"), name);

  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (dialog), heading);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (gtk_builder_get_object (builder, "new_album_row")), album);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  g_object_set_data_full (dialog, "ks-path", g_strdup (path), g_free);
  g_object_set_data_full (dialog, "ks-name", g_strdup (name), g_free);
  keep_child (dialog, "ks-named-row", builder, "new_album_row");
  keep_child (dialog, "ks-dropdown", builder, "album_dropdown");
  keep_child (dialog, "ks-existing-row", builder, "existing_album_row");
  keep_child (dialog, "ks-existing-check", builder, "existing_album_check");
  keep_child (dialog, "ks-no-check", builder, "no_album_check");
  g_signal_connect_object (dialog, "response", G_CALLBACK (folder_dialog_response_cb), self, 0);
  ks_api_client_list_albums_async (ks_account_get_api (self->account), self->cancellable, albums_listed_cb,
                                   g_object_ref (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* "s": an absolute path; asks where its photos go, then adds it. */
static void
sync_folder_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  KsWindow   *self = user_data;
  const char *path = g_variant_get_string (parameter, NULL);

  if (self->engine == NULL || !g_path_is_absolute (path))
    return;
  ask_album (self, path);
}

static void
folder_chosen_cb (GtkNativeDialog *chooser,
                  int              response,
                  KsWindow        *self)
{
  g_autoptr (GFile) folder = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      path = folder != NULL ? g_file_get_path (folder) : NULL;
      if (path == NULL)
        ks_window_toast (self, _ ("Only folders on this computer can be kept in sync."));
      else
        ask_album (self, path);
    }
  g_object_unref (chooser);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  KsWindow             *self = KS_WINDOW (widget);
  GtkFileChooserNative *chooser;
  const char           *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);

  if (self->engine == NULL)
    return;
  /* A portal dialog inside a sandbox: the folder it returns is one the
   * app may read from then on. */
  chooser = gtk_file_chooser_native_new (_ ("Add Folder"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         _ ("_Add"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (pictures != NULL)
    {
      g_autoptr (GFile) start = g_file_new_for_path (pictures);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), start, NULL);
    }
  g_signal_connect (chooser, "response", G_CALLBACK (folder_chosen_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* --- A dropped folder: offer to keep it in sync */

typedef struct
{
  KsWindow *self; /* owned */
  char     *album_id;
} Offer;

static void
offer_free (Offer *offer)
{
  g_object_unref (offer->self);
  g_free (offer->album_id);
  g_free (offer);
}

static void
dropped_checked_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Offer    *offer = user_data;
  KsWindow *self = offer->self;
  g_autoptr (GFileInfo) info = g_file_query_info_finish (G_FILE (source), result, NULL);
  g_autofree char *path = g_file_get_path (G_FILE (source));
  g_autofree char *canonical = NULL;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  g_autofree char *spec = NULL;
  AdwToast        *toast;

  if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_DIRECTORY || path == NULL ||
      self->engine == NULL)
    {
      offer_free (offer);
      return;
    }
  canonical = g_canonicalize_filename (path, NULL);
  if (ks_folders_view_is_watched (self->folders_view, canonical))
    {
      offer_free (offer);
      return;
    }

  name = g_path_get_basename (canonical);
  title = g_markup_printf_escaped (_ ("Keep “%s” in sync?"), name);
  spec = offer->album_id != NULL ? g_strconcat ("id:", offer->album_id, NULL) : g_strdup ("default");
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _ ("Keep in Sync"));
  adw_toast_set_action_name (toast, "win.add-folder");
  adw_toast_set_action_target_value (toast, g_variant_new ("(ss)", canonical, spec));
  adw_toast_set_timeout (toast, 10);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  offer_free (offer);
}

void
ks_window_offer_folder_sync (KsWindow   *self,
                             GListModel *files,
                             const char *album_id)
{
  guint n = MIN (g_list_model_get_n_items (files), MAX_OFFERS);

  if (self->engine == NULL)
    return;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GFile) file = g_list_model_get_item (files, i);
      Offer *offer;

      if (!g_file_is_native (file))
        continue;
      offer = g_new0 (Offer, 1);
      offer->self = g_object_ref (self);
      offer->album_id = g_strdup (album_id);
      g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                               self->cancellable, dropped_checked_cb, offer);
    }
}

/* --- What the engine uploaded, into the library */

static void
photo_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsPhotoItem) item = NULL;
  KsPhoto *photo = ks_api_client_get_photo_finish (KS_API_CLIENT (source), result, &error);

  if (photo == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("A synced photo: %s", error->message);
      return;
    }
  item = ks_photo_item_new (photo);
  /* The list shows a photo it already has once. */
  if (self->library != NULL)
    ks_photo_list_prepend (self->library, item);
}

static gboolean
synced_flush_cb (gpointer user_data)
{
  KsWindow *self = user_data;
  g_autoptr (GList) ids = g_hash_table_get_keys (self->synced_ids);

  self->synced_flush_id = 0;
  if (self->library != NULL && g_hash_table_size (self->synced_ids) > SYNCED_MAX_FETCHES)
    ks_photo_list_reload (self->library);
  else if (self->library != NULL)
    for (GList *l = ids; l != NULL; l = l->next)
      ks_api_client_get_photo_async (ks_account_get_api (self->account), l->data, self->cancellable,
                                     photo_fetched_cb, g_object_ref (self));
  /* A folder's new album, and the albums' photo counts. */
  if (self->library != NULL)
    ks_albums_view_reload (self->albums_view);
  g_hash_table_remove_all (self->synced_ids);
  return G_SOURCE_REMOVE;
}

static void
file_done_cb (KsWindow   *self,
              const char *path,
              const char *photo_id,
              gboolean    existed)
{
  /* Dropped here: the upload queue shows it in its placeholder. */
  if (photo_id == NULL || (self->queue != NULL && ks_upload_queue_has_file (self->queue, path)))
    return;
  g_hash_table_add (self->synced_ids, g_strdup (photo_id));
  if (self->synced_flush_id == 0)
    self->synced_flush_id = g_timeout_add (SYNCED_FLUSH_MS, synced_flush_cb, self);
}

/* --- The engine comes and goes with the account */

static void
folders_toast_cb (KsWindow   *self,
                  const char *message)
{
  ks_window_toast (self, message);
}

static void
journal_error_cb (KsWindow *self)
{
  const GError *error = self->sync != NULL ? ks_sync_service_get_journal_error (self->sync) : NULL;

  ks_folders_view_set_journal_error (self->folders_view, error);
  ks_sync_indicator_set_journal_error (self->sync_indicator, error);
}

static void
started_over_cb (KsWindow   *self,
                 guint       n_folders,
                 const char *aside)
{
  g_autofree char *message = NULL;

  g_debug ("The damaged journal is now %s", aside);
  if (n_folders == 0)
    message = g_strdup (_ ("Started over with no synced folders: none could be read back"));
  else
    message = g_strdup_printf (ngettext ("Started over: %u folder is read again",
                                         "Started over: %u folders are read again", n_folders),
                               n_folders);
  ks_window_toast (self, message);
}

static void
start_over_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);

  if (self->sync != NULL)
    ks_sync_service_start_over (self->sync);
}

static void
engine_changed_cb (KsWindow *self)
{
  KsSyncEngine *engine = self->sync != NULL ? ks_sync_service_get_engine (self->sync) : NULL;

  if (engine == self->engine)
    return;
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_handle_id (&self->synced_flush_id, g_source_remove);
  g_hash_table_remove_all (self->synced_ids);
  g_set_object (&self->engine, engine);
  if (engine != NULL)
    g_signal_connect_swapped (engine, "file-done", G_CALLBACK (file_done_cb), self);

  ks_folders_view_set_engine (self->folders_view, engine, engine != NULL ? ks_account_get_api (self->account) : NULL);
  ks_sync_indicator_set_engine (self->sync_indicator, engine);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.choose-folder", engine != NULL);
}

static const GActionEntry folder_entries[] = {
  { "add-folder", add_folder_activated, "(ss)" },
  { "sync-folder", sync_folder_activated, "s" },
};

void
ks_window_folders_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.choose-folder", NULL, choose_folder_action);
  gtk_widget_class_install_action (widget_class, "win.start-over-folders", NULL, start_over_action);
}

void
ks_window_folders_init (KsWindow *self)
{
  self->synced_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_action_map_add_action_entries (G_ACTION_MAP (self), folder_entries, G_N_ELEMENTS (folder_entries), self);
  g_signal_connect_swapped (self->folders_view, "toast", G_CALLBACK (folders_toast_cb), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.choose-folder", FALSE);
}

void
ks_window_folders_start (KsWindow      *self,
                         KsSyncService *sync)
{
  self->sync = g_object_ref (sync);
  g_signal_connect_object (sync, "notify::engine", G_CALLBACK (engine_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (sync, "notify::journal-error", G_CALLBACK (journal_error_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (sync, "started-over", G_CALLBACK (started_over_cb), self, G_CONNECT_SWAPPED);
  engine_changed_cb (self);
  journal_error_cb (self);
}

void
ks_window_folders_stop (KsWindow *self)
{
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_clear_object (&self->sync);
  engine_changed_cb (self);
  journal_error_cb (self);
  g_clear_pointer (&self->synced_ids, g_hash_table_unref);
}
