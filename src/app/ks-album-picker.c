/* ks-album-picker.c: adds photos to an album the user picks or names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-album-picker.h"
#include "ks-spinner.h"

/* The API takes up to 200 ids a call. */
#define BATCH 200

struct _KsAlbumPicker
{
  AdwWindow parent_instance;

  KsApiClient  *api;
  GStrv         photo_ids;
  GCancellable *cancellable;
  char         *album_id;   /* nullable: while adding */
  char         *album_name; /* nullable: while adding */
  guint         next;       /* first id of the next batch */
  guint         n_added;

  GtkSpinner  *spinner;
  AdwEntryRow *new_album_row;
  GtkListBox  *album_list;
  GtkLabel    *status_label;
};

G_DEFINE_FINAL_TYPE (KsAlbumPicker, ks_album_picker, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_busy (KsAlbumPicker *self,
          gboolean       busy)
{
  ks_spinner_set_active (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->album_list), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_album_row), !busy);
}

static void
finish (KsAlbumPicker *self,
        const char    *message)
{
  g_signal_emit (self, signals[SIGNAL_DONE], 0, message);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void add_batch (KsAlbumPicker *self);

static void
added_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (KsAlbumPicker) self = user_data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) added = NULL;
  g_auto (GStrv) already = NULL;
  g_autofree char *message = NULL;

  if (!ks_api_client_add_album_photos_finish (KS_API_CLIENT (source), result, &added, &already,
                                              &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      gtk_label_set_label (self->status_label, error->message);
      return;
    }
  self->n_added += added != NULL ? g_strv_length (added) : 0;
  if (self->photo_ids[self->next] != NULL)
    {
      add_batch (self);
      return;
    }
  if (self->n_added == 0)
    message = g_strdup_printf (_ ("Already in “%s”"), self->album_name);
  else
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Added %u photo to “%s”",
                                            "Added %u photos to “%s”", self->n_added),
                               self->n_added, self->album_name);
  finish (self, message);
}

static void
add_batch (KsAlbumPicker *self)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();

  for (; self->photo_ids[self->next] != NULL && ids->len < BATCH; self->next++)
    g_ptr_array_add (ids, self->photo_ids[self->next]);
  g_ptr_array_add (ids, NULL);
  ks_api_client_add_album_photos_async (self->api, self->album_id, (const char *const *) ids->pdata,
                                        self->cancellable, added_cb, g_object_ref (self));
}

static void
add_to (KsAlbumPicker *self,
        const char    *album_id,
        const char    *album_name)
{
  set_busy (self, TRUE);
  g_free (self->album_name);
  self->album_name = g_strdup (album_name);
  g_free (self->album_id);
  self->album_id = g_strdup (album_id);
  self->next = 0;
  self->n_added = 0;
  add_batch (self);
}

static void
album_row_activated_cb (KsAlbumPicker *self,
                        GtkListBoxRow *row)
{
  add_to (self, g_object_get_data (G_OBJECT (row), "ks-album-id"),
          adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KsAlbumPicker) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = ks_api_client_create_album_finish (KS_API_CLIENT (source), result,
                                                                 &error);

  if (album == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      gtk_label_set_label (self->status_label, error->message);
      return;
    }
  add_to (self, album->id, album->name);
}

static void
new_album_apply_cb (KsAlbumPicker *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->new_album_row))));

  if (*name == '\0')
    return;
  set_busy (self, TRUE);
  ks_api_client_create_album_async (self->api, name, self->cancellable, created_cb,
                                    g_object_ref (self));
}

static GtkWidget *
album_row_new (const KsAlbum *album)
{
  GtkWidget       *row = adw_action_row_new ();
  GtkWidget       *icon = gtk_image_new_from_icon_name ("ks-albums-symbolic");
  g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%" G_GINT64_FORMAT " photo",
                                                         "%" G_GINT64_FORMAT " photos",
                                                         album->photo_count),
                                            album->photo_count);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), album->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (g_strcmp0 (album->role, "owner") != 0)
    {
      g_autofree char *shared = g_strdup_printf (_ ("%s · %s’s album"), count, album->owner);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), shared);
    }
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), count);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "ks-album-id", g_strdup (album->id), g_free);
  return row;
}

static void
albums_listed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KsAlbumPicker) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) albums = ks_api_client_list_albums_finish (KS_API_CLIENT (source), result,
                                                                   &error);
  guint n = 0;

  if (albums == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      gtk_label_set_label (self->status_label, error->message);
      return;
    }
  set_busy (self, FALSE);
  for (guint i = 0; i < albums->len; i++)
    {
      const KsAlbum *album = g_ptr_array_index (albums, i);

      if (g_strcmp0 (album->role, "viewer") == 0)
        continue;
      gtk_list_box_append (self->album_list, album_row_new (album));
      n++;
    }
  gtk_widget_set_visible (gtk_widget_get_ancestor (GTK_WIDGET (self->album_list),
                                                   ADW_TYPE_PREFERENCES_GROUP),
                          n > 0);
  if (n == 0)
    gtk_label_set_label (self->status_label, _ ("Name a new album to add the photos to."));
}

static void
ks_album_picker_dispose (GObject *object)
{
  KsAlbumPicker *self = KS_ALBUM_PICKER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->api);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_ALBUM_PICKER);

  G_OBJECT_CLASS (ks_album_picker_parent_class)->dispose (object);
}

static void
ks_album_picker_finalize (GObject *object)
{
  KsAlbumPicker *self = KS_ALBUM_PICKER (object);

  g_strfreev (self->photo_ids);
  g_free (self->album_name);
  g_free (self->album_id);

  G_OBJECT_CLASS (ks_album_picker_parent_class)->finalize (object);
}

static void
ks_album_picker_class_init (KsAlbumPickerClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_album_picker_dispose;
  object_class->finalize = ks_album_picker_finalize;

  signals[SIGNAL_DONE] = g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-album-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, KsAlbumPicker, spinner);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumPicker, new_album_row);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumPicker, album_list);
  gtk_widget_class_bind_template_child (widget_class, KsAlbumPicker, status_label);
  gtk_widget_class_bind_template_callback (widget_class, album_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_album_apply_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ks_album_picker_init (KsAlbumPicker *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

KsAlbumPicker *
ks_album_picker_new (KsApiClient       *api,
                     const char *const *photo_ids)
{
  KsAlbumPicker *self = g_object_new (KS_TYPE_ALBUM_PICKER, NULL);

  self->api = g_object_ref (api);
  self->photo_ids = g_strdupv ((char **) photo_ids);
  set_busy (self, TRUE);
  ks_api_client_list_albums_async (api, self->cancellable, albums_listed_cb, g_object_ref (self));
  return self;
}
