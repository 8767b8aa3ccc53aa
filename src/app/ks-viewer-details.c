/* ks-viewer-details.c: the viewer's details pane and "Download Original"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-photo-fetch.h"
#include "ks-viewer-private.h"

/* An ISO 8601 time as the user reads dates, NULL if unparsable. */
static char *
format_time (const char *iso)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autoptr (GTimeZone) tz = g_time_zone_new_local ();

  if (iso == NULL)
    return NULL;
  /* Camera times carry no zone: they are the photographer's local time. */
  utc = g_date_time_new_from_iso8601 (iso, tz);
  if (utc == NULL)
    return NULL;
  local = g_date_time_to_local (utc);
  /* Translators: a date and time, see g_date_time_format() */
  return g_date_time_format (local, _ ("%e %B %Y, %H:%M"));
}

static void
set_row (AdwActionRow *row,
         const char   *value)
{
  gtk_widget_set_visible (GTK_WIDGET (row), value != NULL && *value != '\0');
  adw_action_row_set_subtitle (row, value != NULL ? value : "");
}

void
ks_viewer_update_details (KsViewer *self)
{
  const KsPhoto   *photo = self->item != NULL ? ks_photo_item_get_photo (self->item) : NULL;
  g_autofree char *taken = NULL;
  g_autofree char *uploaded = NULL;
  g_autofree char *dimensions = NULL;
  g_autofree char *size = NULL;

  set_row (self->name_row, self->item != NULL ? ks_photo_item_get_title (self->item) : NULL);
  if (photo != NULL)
    {
      taken = format_time (photo->taken_at);
      uploaded = format_time (photo->committed_at != NULL ? photo->committed_at : photo->created_at);
      if (photo->width > 0 && photo->height > 0)
        /* Translators: width × height in pixels, then megapixels */
        dimensions = g_strdup_printf (_ ("%" G_GINT64_FORMAT " × %" G_GINT64_FORMAT " (%.1f MP)"),
                                      photo->width, photo->height,
                                      photo->width * photo->height / 1e6);
      if (photo->size > 0)
        size = g_format_size (photo->size);
    }
  set_row (self->date_row, taken != NULL ? taken : (photo != NULL ? _ ("Unknown") : NULL));
  set_row (self->uploaded_row, uploaded);
  set_row (self->dimensions_row, dimensions);
  set_row (self->size_row, size);
  set_row (self->type_row, photo != NULL ? photo->content_type : NULL);
  set_row (self->album_row, self->album_name);
  set_row (self->added_by_row, photo != NULL ? photo->added_by : NULL);
}

void
ks_viewer_toast (KsViewer *self,
                 AdwToast *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else
    g_object_unref (toast);
}

/* --- Download Original */

typedef struct
{
  KsViewer *viewer;
  AdwToast *toast;
  GFile    *dest;
  char     *name;
} Download;

static void
download_free (Download *download)
{
  g_object_unref (download->viewer);
  g_object_unref (download->toast);
  g_object_unref (download->dest);
  g_free (download->name);
  g_free (download);
}

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  Download        *download = user_data;
  g_autofree char *title = NULL;

  if (total <= 0)
    return;
  /* Translators: "Downloading “IMG_0001.jpg”… 45 %" */
  title = g_strdup_printf (_ ("Downloading “%s”… %d %%"), download->name, (int) (done * 100 / total));
  adw_toast_set_title (download->toast, title);
}

static void
open_clicked_cb (AdwToast *toast,
                 GFile    *file)
{
  GtkWidget       *root = g_object_get_data (G_OBJECT (toast), "ks-root");
  g_autofree char *uri = g_file_get_uri (file);

  gtk_show_uri (GTK_WINDOW (root), uri, GDK_CURRENT_TIME);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Download *download = user_data;
  KsViewer *self = download->viewer;
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;
  AdwToast        *toast;

  adw_toast_dismiss (download->toast);
  if (!ks_photo_fetch_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        ks_viewer_toast (self, adw_toast_new (error->message));
      download_free (download);
      return;
    }
  title = g_strdup_printf (_ ("Saved “%s”"), download->name);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _ ("_Open"));
  g_object_set_data (G_OBJECT (toast), "ks-root", gtk_widget_get_root (GTK_WIDGET (self)));
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (open_clicked_cb),
                         g_object_ref (download->dest), (GClosureNotify) (void (*) (void)) g_object_unref, 0);
  ks_viewer_toast (self, toast);
  download_free (download);
}

static void
save_response_cb (GtkNativeDialog *chooser,
                  int              response,
                  KsViewer        *self)
{
  g_autoptr (GFile) dest = NULL;
  g_autofree char *title = NULL;
  Download        *download;

  if (response != GTK_RESPONSE_ACCEPT || self->item == NULL)
    {
      g_object_unref (chooser);
      return;
    }
  dest = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);

  download = g_new0 (Download, 1);
  download->viewer = g_object_ref (self);
  download->dest = g_object_ref (dest);
  download->name = g_file_get_basename (dest);
  title = g_strdup_printf (_ ("Downloading “%s”…"), download->name);
  download->toast = adw_toast_new (title);
  adw_toast_set_timeout (download->toast, 0);
  adw_toast_set_priority (download->toast, ADW_TOAST_PRIORITY_HIGH);
  ks_viewer_toast (self, g_object_ref (download->toast));

  if (self->download_cancellable == NULL)
    self->download_cancellable = g_cancellable_new ();
  ks_photo_fetch_async (self->api, self->soup, self->item, KS_PHOTO_FETCH_ORIGINAL, dest,
                        progress_cb, download, self->download_cancellable, downloaded_cb, download);
}

void
ks_viewer_download_original (KsViewer *self)
{
  GtkFileChooserNative *chooser;

  if (self->item == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_ ("Download Original"),
                                         GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), ks_photo_item_get_title (self->item));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
