/* ks-window.c: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-cached-offline-bar.h"
#include "ks-cached-photo-list.h"
#include "ks-window-private.h"

G_DEFINE_FINAL_TYPE (KsWindow, ks_window, ADW_TYPE_APPLICATION_WINDOW)

void
ks_window_toast (KsWindow   *self,
                 const char *message)
{
  g_return_if_fail (KS_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
setup_toast_cb (KsWindow   *self,
                const char *message)
{
  ks_window_toast (self, message);
}

/* --- Pages */

static const char *
page_title (const char *page)
{
  if (g_str_equal (page, "library"))
    return _ ("Library");
  if (g_str_equal (page, "albums"))
    return _ ("Albums");
  if (g_str_equal (page, "shared"))
    return _ ("Shared with Me");
  if (g_str_equal (page, "folders"))
    return _ ("Folders");
  return "";
}

gboolean
ks_window_album_accepts_photos (KsWindow *self)
{
  return self->album != NULL &&
         (g_strcmp0 (self->album->role, "owner") == 0 || g_strcmp0 (self->album->role, "contributor") == 0);
}

static void
update_header (KsWindow *self)
{
  const char      *page = adw_view_stack_get_visible_child_name (self->view_stack);
  gboolean         in_album = g_strcmp0 (page, "album") == 0;
  gboolean         folded = adw_leaflet_get_folded (self->leaflet);
  g_autofree char *subtitle = NULL;

  if (in_album && self->album != NULL)
    {
      if (g_strcmp0 (self->album->role, "owner") != 0)
        /* Translators: "alice’s album · Viewer" */
        subtitle = g_strdup_printf (_ ("%s’s album · %s"), self->album->owner,
                                    ks_album_role_to_label (self->album->role));
      adw_window_title_set_title (self->content_title, self->album->name);
    }
  else
    adw_window_title_set_title (self->content_title, page_title (page != NULL ? page : ""));
  adw_window_title_set_subtitle (self->content_title, subtitle);

  gtk_widget_set_visible (self->back_button, in_album || folded);
  gtk_widget_set_visible (self->add_button,
                          g_strcmp0 (page, "library") == 0 || (in_album && ks_window_album_accepts_photos (self)));
  gtk_widget_set_visible (self->new_album_button, g_strcmp0 (page, "albums") == 0);
  gtk_widget_set_visible (self->album_menu_button, in_album);
  gtk_widget_set_visible (self->share_button,
                          in_album && self->album != NULL && g_strcmp0 (self->album->role, "owner") == 0);
  ks_window_actions_update (self);
}

static void
select_sidebar_row (KsWindow   *self,
                    const char *page)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (gtk_widget_get_name (row), page) == 0)
      gtk_list_box_select_row (self->sidebar_list, GTK_LIST_BOX_ROW (row));
}

void
ks_window_focus_page (KsWindow *self)
{
  GtkWidget *page = adw_view_stack_get_visible_child (self->view_stack);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (page != NULL && (focus == NULL || !gtk_widget_is_ancestor (focus, page)))
    gtk_widget_child_focus (page, GTK_DIR_TAB_FORWARD);
}

void
ks_window_show_page (KsWindow   *self,
                     const char *page)
{
  if (!g_str_equal (page, "album"))
    {
      ks_window_close_album (self);
      select_sidebar_row (self, page);
    }
  adw_view_stack_set_visible_child_name (self->view_stack, page);
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
  update_header (self);
}

static void
sidebar_row_activated_cb (KsWindow      *self,
                          GtkListBoxRow *row)
{
  ks_window_show_page (self, gtk_widget_get_name (GTK_WIDGET (row)));
}

static KsAlbum *
album_copy (const KsAlbum *album)
{
  KsAlbum *copy = g_new0 (KsAlbum, 1);

  copy->id = g_strdup (album->id);
  copy->name = g_strdup (album->name);
  copy->owner = g_strdup (album->owner);
  copy->role = g_strdup (album->role);
  copy->photo_count = album->photo_count;
  copy->created_at = g_strdup (album->created_at);
  copy->updated_at = g_strdup (album->updated_at);
  return copy;
}

/* (nullable) the application's shared-album cache, once open */
KsCache *
ks_window_get_shared_cache (KsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return app != NULL ? ks_sync_service_get_cache (ks_application_get_sync_service (KS_APPLICATION (app))) : NULL;
}

void
ks_window_open_album (KsWindow      *self,
                      const KsAlbum *album)
{
  const char *current = adw_view_stack_get_visible_child_name (self->view_stack);
  KsCache    *shared;
  GtkWidget  *bar = NULL;
  g_autoptr (KsCachedAlbum) cached = NULL;
  g_autoptr (GPtrArray) waiting = NULL;

  if (g_strcmp0 (current, "album") != 0)
    {
      g_free (self->return_page);
      self->return_page = g_strdup (current != NULL ? current : "albums");
    }
  g_clear_pointer (&self->album, ks_album_free);
  g_clear_object (&self->album_photos);
  self->album = album_copy (album);
  self->album_cached = FALSE;
  /* Albums friends shared come from the cache the change feed keeps
   * current: the same online and offline. */
  shared = ks_window_get_shared_cache (self);
  if (shared != NULL && g_strcmp0 (album->role, "owner") != 0 &&
      (cached = ks_cache_get_album (shared, album->id, NULL)) != NULL)
    {
      bar = ks_cached_offline_bar_new ();
      ks_cached_offline_bar_set_cache (KS_CACHED_OFFLINE_BAR (bar), shared);
      self->album_photos = ks_cached_photo_list_new (shared, album->id);
      self->album_cached = TRUE;
    }
  else
    self->album_photos = ks_photo_list_new (ks_account_get_api (self->account), album->id);
  ks_photo_grid_set_model (self->album_grid, self->album_photos, self->cache);
  ks_photo_grid_set_banner (self->album_grid, bar);
  ks_photo_list_reload (self->album_photos);
  /* Dropped on it earlier (it may have been opened since, or not at
   * all in this run), and still on their way. */
  if (self->queue != NULL)
    {
      waiting = ks_upload_queue_list_items (self->queue, album->id);
      ks_photo_list_prepend_items (self->album_photos, waiting);
    }
  ks_window_show_page (self, "album");
}

void
ks_window_close_album (KsWindow *self)
{
  ks_photo_grid_set_model (self->album_grid, NULL, NULL);
  ks_photo_grid_set_banner (self->album_grid, NULL);
  g_clear_object (&self->album_photos);
  g_clear_pointer (&self->album, ks_album_free);
  self->album_cached = FALSE;
}

static void
album_activated_cb (KsWindow      *self,
                    const KsAlbum *album)
{
  ks_window_open_album (self, album);
}

/* Into the journal at once, whether the server can be reached or not:
 * they go up when it can. */
static void
upload_files (KsWindow   *self,
              GListModel *files,
              const char *album_id)
{
  KsCache *cache = ks_window_get_shared_cache (self);

  ks_upload_queue_add_files (self->queue, files, album_id);
  if (cache != NULL && ks_cache_get_offline (cache))
    ks_window_toast (self, _ ("Offline: the photos will be uploaded once the server can be reached again."));
  ks_window_offer_folder_sync (self, files, album_id);
}

static void
album_files_dropped_cb (KsWindow      *self,
                        const KsAlbum *album,
                        GListModel    *files)
{
  if (self->queue != NULL)
    upload_files (self, files, album->id);
}

/* --- Uploads */

static void
items_added_cb (KsWindow   *self,
                GPtrArray  *items,
                const char *album_id)
{
  ks_photo_list_prepend_items (self->library, items);
  if (album_id != NULL && self->album_photos != NULL &&
      g_strcmp0 (ks_photo_list_get_album_id (self->album_photos), album_id) == 0)
    ks_photo_list_prepend_items (self->album_photos, items);
}

static void
item_uploaded_cb (KsWindow    *self,
                  KsPhotoItem *item,
                  const char  *album_id)
{
  /* Album rows show photo counts. */
  if (album_id != NULL)
    {
      ks_albums_view_reload (self->albums_view);
      ks_albums_view_reload (self->shared_view);
    }
}

static void
item_dismissed_cb (KsWindow    *self,
                   KsPhotoItem *item)
{
  KsPhotoList *lists[] = { self->library, self->album_photos };

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    if (lists[i] != NULL)
      ks_photo_list_remove (lists[i], item);
}

void
ks_window_import_files (KsWindow   *self,
                        GListModel *files,
                        gboolean    to_album)
{
  const char *album_id = NULL;

  g_return_if_fail (KS_IS_WINDOW (self));

  if (self->queue == NULL)
    {
      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr (GObject) file = g_list_model_get_item (files, i);

          g_list_store_append (self->pending_import, file);
        }
      return;
    }

  if (to_album && ks_window_album_accepts_photos (self) &&
      g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "album") == 0)
    album_id = self->album->id;
  upload_files (self, files, album_id);
}

/* --- Signing in and out */

static void
update_account_labels (KsWindow *self)
{
  const char *username = ks_account_get_username (self->account);
  const char *url = ks_account_get_server_url (self->account);
  g_autoptr (GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  gtk_label_set_label (self->account_name_label, username != NULL ? username : "");
  if (ks_account_is_local (self->account))
    gtk_label_set_label (self->account_server_label, _ ("On this computer"));
  else
    gtk_label_set_label (self->account_server_label,
                         uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "");
}

static void
shared_cache_changed_cb (KsWindow *self)
{
  ks_albums_view_set_cache (self->shared_view, ks_window_get_shared_cache (self));
}

static void
start_library (KsWindow *self)
{
  KsApplication *app = KS_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  KsSyncService *sync = ks_application_get_sync_service (app);
  KsApiClient   *api = ks_account_get_api (self->account);
  g_autoptr (GPtrArray) waiting = NULL;

  if (self->library != NULL)
    return;
  /* Both belong to the application: uploads go on with the window closed. */
  g_set_object (&self->cache, ks_sync_service_get_thumbnails (sync));
  self->queue = g_object_ref (ks_sync_service_get_upload_queue (sync));
  g_signal_connect_swapped (self->queue, "items-added", G_CALLBACK (items_added_cb), self);
  g_signal_connect_swapped (self->queue, "item-uploaded", G_CALLBACK (item_uploaded_cb), self);
  g_signal_connect_swapped (self->queue, "item-dismissed", G_CALLBACK (item_dismissed_cb), self);
  ks_sync_indicator_set_queue (self->sync_indicator, self->queue);

  self->library = ks_photo_list_new (api, NULL);
  ks_photo_grid_set_model (self->library_grid, self->library, self->cache);
  ks_photo_list_reload (self->library);
  /* Dropped before this window opened (on another, or before a
   * restart), and still on their way. */
  waiting = ks_upload_queue_list_items (self->queue, NULL);
  ks_photo_list_prepend_items (self->library, waiting);
  ks_albums_view_set_api (self->albums_view, api, self->cache);
  ks_albums_view_set_api (self->shared_view, api, self->cache);
  /* Shared with Me follows the cache, which opens a moment after. */
  g_signal_handlers_disconnect_by_func (sync, shared_cache_changed_cb, self);
  g_signal_connect_object (sync, "notify::cache", G_CALLBACK (shared_cache_changed_cb), self, G_CONNECT_SWAPPED);
  shared_cache_changed_cb (self);
  ks_window_photos_start (self);

  update_account_labels (self);
  ks_window_show_page (self, "library");
  gtk_stack_set_visible_child_name (self->main_stack, "main");
  /* On the photos, not on the sidebar's menu where the window would put
   * it. */
  gtk_widget_grab_focus (GTK_WIDGET (self->library_grid));

  if (g_list_model_get_n_items (G_LIST_MODEL (self->pending_import)) > 0)
    {
      ks_upload_queue_add_files (self->queue, G_LIST_MODEL (self->pending_import), NULL);
      g_list_store_remove_all (self->pending_import);
    }
}

static void
stop_library (KsWindow *self)
{
  ks_viewer_clear (self->viewer);
  ks_window_close_album (self);
  ks_photo_grid_set_model (self->library_grid, NULL, NULL);
  g_clear_object (&self->library);
  ks_sync_indicator_set_queue (self->sync_indicator, NULL);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_clear_object (&self->queue);
  ks_albums_view_set_api (self->albums_view, NULL, NULL);
  ks_albums_view_set_api (self->shared_view, NULL, NULL);
  ks_window_actions_update (self);
}

static void
signed_in_changed_cb (KsWindow *self)
{
  if (ks_account_get_signed_in (self->account))
    {
      start_library (self);
      return;
    }

  stop_library (self);
  if (ks_account_get_connected (self->account))
    ks_setup_view_show_sign_in (self->setup_view, NULL);
  else
    ks_setup_view_show_welcome (self->setup_view);
  gtk_stack_set_visible_child_name (self->main_stack, "setup");
}

/* What the application knows of the account: it opens the saved
 * profile once, at startup, window or not. */
static void
show_account_state (KsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  const char     *error;

  if (self->account == NULL || app == NULL)
    return;
  if (ks_account_get_signed_in (self->account))
    {
      gtk_spinner_stop (self->loading_spinner);
      start_library (self);
      return;
    }
  if (ks_application_get_opening (KS_APPLICATION (app)))
    {
      gtk_stack_set_visible_child_name (self->main_stack, "loading");
      gtk_spinner_start (self->loading_spinner);
      return;
    }

  gtk_spinner_stop (self->loading_spinner);
  error = ks_application_get_open_error (KS_APPLICATION (app));
  if (error != NULL)
    {
      adw_status_page_set_description (self->error_page, error);
      gtk_stack_set_visible_child_name (self->main_stack, "error");
      return;
    }
  /* Later launches ask for the password when the keyring had no
   * session; the first shows the welcome page. */
  if (ks_account_has_profile (self->account) && ks_account_get_connected (self->account))
    ks_setup_view_show_sign_in (self->setup_view, NULL);
  else
    ks_setup_view_show_welcome (self->setup_view);
  gtk_stack_set_visible_child_name (self->main_stack, "setup");
}

/* Retry after the saved profile could not be opened. */
void
ks_window_open_account (KsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (app != NULL)
    ks_application_open_account (KS_APPLICATION (app));
  show_account_state (self);
}

/* --- Opening an album by its id (a notification's action) */

typedef struct
{
  KsWindow *self;
  char     *album_id;
} AlbumLookup;

static void
album_lookup_free (AlbumLookup *lookup)
{
  g_object_unref (lookup->self);
  g_free (lookup->album_id);
  g_free (lookup);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AlbumLookup, album_lookup_free)

/* Offline, the shared-album cache still knows it. */
static KsAlbum *
cached_album (KsWindow   *self,
              const char *album_id)
{
  KsCache *cache = ks_window_get_shared_cache (self);
  g_autoptr (KsCachedAlbum) cached = cache != NULL ? ks_cache_get_album (cache, album_id, NULL) : NULL;
  KsAlbum *album;

  if (cached == NULL)
    return NULL;
  album = g_new0 (KsAlbum, 1);
  album->id = g_steal_pointer (&cached->id);
  album->name = g_steal_pointer (&cached->name);
  album->owner = g_steal_pointer (&cached->owner);
  album->role = g_steal_pointer (&cached->role);
  album->photo_count = cached->photo_count;
  album->created_at = g_steal_pointer (&cached->created_at);
  album->updated_at = g_steal_pointer (&cached->updated_at);
  return album;
}

static void
album_found_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (AlbumLookup) lookup = user_data;
  KsWindow *self = lookup->self;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GError) error = NULL;

  album = ks_api_client_get_album_finish (KS_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->account == NULL ||
      !ks_account_get_signed_in (self->account))
    return;
  if (album == NULL)
    album = cached_album (self, lookup->album_id);
  if (album == NULL)
    {
      g_autofree char *message = g_strdup_printf (_ ("Could not open the album: %s"), error->message);

      ks_window_toast (self, message);
      return;
    }
  start_library (self);
  ks_window_open_album (self, album);
}

void
ks_window_open_album_by_id (KsWindow   *self,
                            const char *album_id)
{
  AlbumLookup *lookup;

  g_return_if_fail (KS_IS_WINDOW (self));
  g_return_if_fail (album_id != NULL);

  if (!ks_account_get_signed_in (self->account))
    return;
  lookup = g_new0 (AlbumLookup, 1);
  lookup->self = g_object_ref (self);
  lookup->album_id = g_strdup (album_id);
  ks_api_client_get_album_async (ks_account_get_api (self->account), album_id, self->cancellable,
                                 album_found_cb, lookup);
}

/* --- Window state */

static void
restore_window_state (KsWindow *self)
{
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static gboolean
ks_window_close_request (GtkWindow *window)
{
  KsWindow *self = KS_WINDOW (window);
  int       width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (ks_window_parent_class)->close_request (window);
}

/* --- GObject */

static void
ks_window_dispose (GObject *object)
{
  KsWindow *self = KS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  ks_window_folders_stop (self);
  if (self->account != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->account, self);
      stop_library (self);
    }
  g_clear_object (&self->cache);
  g_clear_object (&self->account);
  g_clear_object (&self->settings);
  g_clear_object (&self->pending_import);
  /* Tearing the children down changes their selection and visible page;
   * nothing of ours may react to that any more. */
  g_signal_handlers_disconnect_by_data (self->view_stack, self);
  g_signal_handlers_disconnect_by_data (self->library_grid, self);
  g_signal_handlers_disconnect_by_data (self->album_grid, self);
  g_signal_handlers_disconnect_by_data (self->viewer, self);
  ks_window_photos_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_WINDOW);

  G_OBJECT_CLASS (ks_window_parent_class)->dispose (object);
}

static void
ks_window_finalize (GObject *object)
{
  g_free (KS_WINDOW (object)->return_page);

  G_OBJECT_CLASS (ks_window_parent_class)->finalize (object);
}

static void
ks_window_class_init (KsWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ks_window_dispose;
  object_class->finalize = ks_window_finalize;
  window_class->close_request = ks_window_close_request;

  g_type_ensure (KS_TYPE_SETUP_VIEW);
  g_type_ensure (KS_TYPE_PHOTO_GRID);
  g_type_ensure (KS_TYPE_ALBUMS_VIEW);
  g_type_ensure (KS_TYPE_FOLDERS_VIEW);
  g_type_ensure (KS_TYPE_SYNC_INDICATOR);
  g_type_ensure (KS_TYPE_VIEWER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, setup_view);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, drop_overlay);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, drop_revealer);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, drop_label);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, account_name_label);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, account_server_label);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, add_button);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, new_album_button);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, album_menu_button);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, share_button);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, sync_indicator);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, library_grid);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, albums_view);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, shared_view);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, folders_view);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, album_grid);
  gtk_widget_class_bind_template_child (widget_class, KsWindow, viewer);
  gtk_widget_class_bind_template_callback (widget_class, sidebar_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, album_activated_cb);

  ks_window_actions_class_init (widget_class);
  ks_window_folders_class_init (widget_class);
  ks_window_photos_class_init (widget_class);
}

static void
ks_window_init (KsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->pending_import = g_list_store_new (G_TYPE_FILE);
  if (g_str_has_suffix (APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  g_signal_connect_swapped (self->setup_view, "toast", G_CALLBACK (setup_toast_cb), self);
  g_signal_connect_swapped (self->albums_view, "files-dropped", G_CALLBACK (album_files_dropped_cb), self);
  g_signal_connect_swapped (self->shared_view, "files-dropped", G_CALLBACK (album_files_dropped_cb), self);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (update_header), self);
  ks_window_actions_init (self);
  ks_window_folders_init (self);
  ks_window_dnd_init (self);
  ks_window_photos_init (self);
}

KsWindow *
ks_window_new (KsApplication *application)
{
  KsWindow *self = g_object_new (KS_TYPE_WINDOW, "application", application, NULL);

  self->settings = g_object_ref (ks_application_get_settings (application));
  self->account = g_object_ref (ks_application_get_account (application));
  restore_window_state (self);
  ks_setup_view_set_account (self->setup_view, self->account);
  g_signal_connect_swapped (self->account, "notify::signed-in", G_CALLBACK (signed_in_changed_cb), self);
  ks_window_folders_start (self, ks_application_get_sync_service (application));
  g_signal_connect_object (application, "notify::opening", G_CALLBACK (show_account_state), self,
                           G_CONNECT_SWAPPED);
  show_account_state (self);
  return self;
}
