/* ks-window-photos.c: the viewer and the selected photos' actions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-album-picker.h"
#include "ks-photo-export.h"
#include "ks-window-private.h"

/* The grid on screen, NULL on pages without photos. */
static KsPhotoGrid *
current_grid (KsWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);

  if (g_strcmp0 (page, "library") == 0)
    return self->library_grid;
  if (g_strcmp0 (page, "album") == 0)
    return self->album_grid;
  return NULL;
}

/* (transfer full): ids of the selected photos that finished uploading */
static GStrv
selected_ids (KsWindow   *self,
              GPtrArray **out_items)
{
  KsPhotoGrid *grid = current_grid (self);
  g_autoptr (GPtrArray) items = grid != NULL ? ks_photo_grid_get_selected (grid) : g_ptr_array_new ();
  g_autoptr (GStrvBuilder) ids = g_strv_builder_new ();

  for (guint i = 0; i < items->len; i++)
    {
      const char *id = ks_photo_item_get_id (g_ptr_array_index (items, i));

      if (id != NULL)
        g_strv_builder_add (ids, id);
    }
  if (out_items != NULL)
    *out_items = g_steal_pointer (&items);
  return g_strv_builder_end (ids);
}

/* --- The viewer */

static void
photo_activated_cb (KsWindow    *self,
                    guint        position,
                    KsPhotoGrid *grid)
{
  KsPhotoList *list = ks_photo_grid_get_model (grid);

  if (list == NULL)
    return;
  ks_viewer_show (self->viewer, G_LIST_MODEL (list), position,
                  grid == self->album_grid && self->album != NULL ? self->album->name : NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "viewer");
  gtk_widget_grab_focus (GTK_WIDGET (self->viewer));
}

static void
viewer_close_cb (KsWindow *self)
{
  KsPhotoGrid *grid = current_grid (self);
  guint        position = ks_viewer_get_position (self->viewer);

  ks_viewer_clear (self->viewer);
  gtk_stack_set_visible_child_name (self->main_stack, "main");
  if (grid != NULL)
    ks_photo_grid_focus_photo (grid, position);
}

/* --- Add to album */

static void
picker_done_cb (KsWindow   *self,
                const char *message)
{
  ks_window_toast (self, message);
  ks_albums_view_reload (self->albums_view);
  ks_albums_view_reload (self->shared_view);
}

static void
add_selected_to_album_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);
  g_auto (GStrv) ids = selected_ids (self, NULL);
  KsAlbumPicker *picker;

  if (ids[0] == NULL)
    {
      ks_window_toast (self, _ ("These photos have not finished uploading."));
      return;
    }
  picker = ks_album_picker_new (ks_account_get_api (self->account), (const char *const *) ids);
  gtk_window_set_transient_for (GTK_WINDOW (picker), GTK_WINDOW (self));
  g_signal_connect_object (picker, "done", G_CALLBACK (picker_done_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (picker));
}

/* --- Delete, with undo */

typedef struct
{
  KsWindow  *window;
  GStrv      ids;
  GPtrArray *done; /* char *: the ids that went through */
  guint      pending;
  guint      n_done;
  char      *error; /* nullable: the first failure */
} Batch;

static void
batch_free (Batch *batch)
{
  g_object_unref (batch->window);
  g_strfreev (batch->ids);
  g_ptr_array_unref (batch->done);
  g_free (batch->error);
  g_free (batch);
}

static Batch *
batch_new (KsWindow *self,
           GStrv     ids)
{
  Batch *batch = g_new0 (Batch, 1);

  batch->window = g_object_ref (self);
  batch->ids = ids;
  batch->pending = g_strv_length (ids);
  batch->done = g_ptr_array_new_with_free_func (g_free);
  return batch;
}

static void
reload_photos (KsWindow *self)
{
  if (self->library != NULL)
    ks_photo_list_reload (self->library);
  if (self->album_photos != NULL)
    ks_photo_list_reload (self->album_photos);
  ks_albums_view_reload (self->albums_view);
}

static void
restored_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Batch *batch = user_data;
  g_autoptr (GError) error = NULL;
  KsPhoto *photo = ks_api_client_restore_photo_finish (KS_API_CLIENT (source), result, &error);

  if (photo == NULL && batch->error == NULL)
    batch->error = g_strdup (error->message);
  g_clear_pointer (&photo, ks_photo_free);
  if (--batch->pending > 0)
    return;
  if (batch->error != NULL)
    ks_window_toast (batch->window, batch->error);
  reload_photos (batch->window);
  batch_free (batch);
}

static void
undo_clicked_cb (AdwToast *toast,
                 KsWindow *self)
{
  GStrv  ids = g_strdupv (g_object_get_data (G_OBJECT (toast), "ks-ids"));
  Batch *batch = batch_new (self, ids);

  for (guint i = 0; ids[i] != NULL; i++)
    ks_api_client_restore_photo_async (ks_account_get_api (self->account), ids[i], NULL, restored_cb,
                                       batch);
}

static void
forget_photo (KsWindow   *self,
              const char *id)
{
  KsPhotoList *lists[] = { self->library, self->album_photos };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; lists[l] != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (lists[l])); i++)
      {
        g_autoptr (KsPhotoItem) item = g_list_model_get_item (G_LIST_MODEL (lists[l]), i);

        if (g_strcmp0 (ks_photo_item_get_id (item), id) == 0)
          {
            ks_photo_list_remove (lists[l], item);
            break;
          }
      }
}

static void
deleted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Batch *batch = user_data;
  g_autoptr (GError) error = NULL;
  KsPhoto         *photo = ks_api_client_delete_photo_finish (KS_API_CLIENT (source), result, &error);
  g_autofree char *title = NULL;
  AdwToast        *toast;

  if (photo != NULL)
    {
      forget_photo (batch->window, photo->id);
      g_ptr_array_add (batch->done, g_strdup (photo->id));
      batch->n_done++;
    }
  else if (batch->error == NULL)
    batch->error = g_strdup (error->message);
  g_clear_pointer (&photo, ks_photo_free);
  if (--batch->pending > 0)
    return;

  if (batch->error != NULL)
    ks_window_toast (batch->window, batch->error);
  if (batch->n_done > 0)
    {
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo deleted", "%u photos deleted",
                                            batch->n_done),
                               batch->n_done);
      toast = adw_toast_new (title);
      adw_toast_set_button_label (toast, _ ("_Undo"));
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
      g_ptr_array_add (batch->done, NULL);
      g_object_set_data_full (G_OBJECT (toast), "ks-ids", g_strdupv ((char **) batch->done->pdata),
                              (GDestroyNotify) g_strfreev);
      g_signal_connect_object (toast, "button-clicked", G_CALLBACK (undo_clicked_cb), batch->window, 0);
      adw_toast_overlay_add_toast (batch->window->toast_overlay, toast);
    }
  batch_free (batch);
}

static void
delete_selected_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  KsWindow *self = KS_WINDOW (widget);
  GStrv     ids = selected_ids (self, NULL);
  Batch    *batch;

  if (ids[0] == NULL)
    {
      g_strfreev (ids);
      return;
    }
  batch = batch_new (self, ids);
  for (guint i = 0; ids[i] != NULL; i++)
    ks_api_client_delete_photo_async (ks_account_get_api (self->account), ids[i], NULL, deleted_cb,
                                      batch);
}

/* --- Download to a folder (ks-photo-export.c), with a toast for progress */

typedef struct
{
  KsWindow *window;
  GFile    *folder;
  AdwToast *toast;
  guint     n_photos;
} Download;

static void
download_free (Download *download)
{
  g_object_unref (download->window);
  g_object_unref (download->folder);
  g_object_unref (download->toast);
  g_free (download);
}

static void
open_folder_clicked_cb (AdwToast *toast,
                        KsWindow *self)
{
  GFile           *folder = g_object_get_data (G_OBJECT (toast), "ks-folder");
  g_autofree char *uri = g_file_get_uri (folder);

  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

static void
download_progress_cb (guint    index,
                      guint    total,
                      gpointer user_data)
{
  Download        *download = user_data;
  g_autofree char *title = NULL;

  /* Translators: "Downloading 3 of 10…" */
  title = g_strdup_printf (_ ("Downloading %u of %u…"), index, total);
  adw_toast_set_title (download->toast, title);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Download *download = user_data;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;
  guint            n_failed = 0;
  AdwToast        *toast;

  files = ks_photo_export_to_folder_finish (result, &n_failed, &error);
  adw_toast_dismiss (download->toast);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      download_free (download);
      return;
    }
  if (n_failed > 0)
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo could not be downloaded",
                                          "%u photos could not be downloaded", n_failed),
                             n_failed);
  else
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Downloaded %u photo",
                                          "Downloaded %u photos", download->n_photos),
                             download->n_photos);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _ ("_Open Folder"));
  g_object_set_data_full (G_OBJECT (toast), "ks-folder", g_object_ref (download->folder), g_object_unref);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (open_folder_clicked_cb),
                           download->window, 0);
  adw_toast_overlay_add_toast (download->window->toast_overlay, toast);
  download_free (download);
}

static void
folder_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    KsWindow        *self)
{
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GPtrArray) items = NULL;
  Download *download;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (folder == NULL || current_grid (self) == NULL)
    return;

  g_strfreev (selected_ids (self, &items));
  download = g_new0 (Download, 1);
  download->window = g_object_ref (self);
  download->folder = g_steal_pointer (&folder);
  download->n_photos = items->len;
  download->toast = adw_toast_new ("");
  adw_toast_set_timeout (download->toast, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, g_object_ref (download->toast));
  ks_photo_export_to_folder_async (ks_account_get_api (self->account), ks_account_get_soup (self->account),
                                   items, download->folder, download_progress_cb, download,
                                   self->cancellable, downloaded_cb, download);
}

static void
download_selected_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  KsWindow             *self = KS_WINDOW (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_ ("Download Originals To"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _ ("_Download"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (folder_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* --- Wiring */

static void
unwatch_placeholders (KsWindow *self);

static void
selection_changed_cb (KsWindow *self)
{
  KsPhotoGrid *grid = current_grid (self);
  g_autoptr (GPtrArray) items = grid != NULL ? ks_photo_grid_get_selected (grid) : NULL;
  gboolean any = FALSE;

  if (self->selected_placeholders == NULL) /* disposed */
    return;

  /* Placeholders (on their way, or failed) are not photos yet; one that
   * becomes a photo while selected changes what the selection offers. */
  unwatch_placeholders (self);
  for (guint i = 0; items != NULL && i < items->len && !any; i++)
    any = ks_photo_item_get_id (g_ptr_array_index (items, i)) != NULL;
  for (guint i = 0; items != NULL && i < items->len && !any; i++)
    {
      KsPhotoItem *item = g_ptr_array_index (items, i);

      g_signal_connect_object (item, "notify::state", G_CALLBACK (selection_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_ptr_array_add (self->selected_placeholders, g_object_ref (item));
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-selected-to-album", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-selected", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.download-selected", any);
}

static void
unwatch_placeholders (KsWindow *self)
{
  for (guint i = 0; i < self->selected_placeholders->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->selected_placeholders, i),
                                          selection_changed_cb, self);
  g_ptr_array_set_size (self->selected_placeholders, 0);
}

void
ks_window_photos_dispose (KsWindow *self)
{
  if (self->selected_placeholders == NULL)
    return;
  unwatch_placeholders (self);
  g_clear_pointer (&self->selected_placeholders, g_ptr_array_unref);
}

void
ks_window_photos_start (KsWindow *self)
{
  g_autofree char *previews = g_build_filename (g_get_user_cache_dir (), "keepsake", "previews", NULL);

  KsPhotoGrid *grids[] = { self->library_grid, self->album_grid };

  ks_viewer_set_services (self->viewer, ks_account_get_api (self->account),
                          ks_account_get_soup (self->account), self->cache, previews);
  for (guint i = 0; i < G_N_ELEMENTS (grids); i++)
    ks_photo_grid_set_services (grids[i], ks_account_get_api (self->account),
                                ks_account_get_soup (self->account));
  /* What earlier drags left for Files. */
  ks_photo_export_prune ();
}

void
ks_window_photos_init (KsWindow *self)
{
  KsPhotoGrid *grids[] = { self->library_grid, self->album_grid };

  self->selected_placeholders = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < G_N_ELEMENTS (grids); i++)
    {
      g_signal_connect_object (grids[i], "photo-activated", G_CALLBACK (photo_activated_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (grids[i], "selection-changed", G_CALLBACK (selection_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (self->viewer, "close", G_CALLBACK (viewer_close_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view_stack, "notify::visible-child", G_CALLBACK (selection_changed_cb),
                           self, G_CONNECT_SWAPPED);
  selection_changed_cb (self);
}

void
ks_window_photos_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.add-selected-to-album", NULL,
                                   add_selected_to_album_action);
  gtk_widget_class_install_action (widget_class, "win.delete-selected", NULL, delete_selected_action);
  gtk_widget_class_install_action (widget_class, "win.download-selected", NULL, download_selected_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.delete-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.download-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "win.add-selected-to-album", NULL);
}
