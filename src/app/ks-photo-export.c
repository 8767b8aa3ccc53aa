/* ks-photo-export.c: photos' originals as files, for Files or a folder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-photo-export.h"
#include "ks-photo-fetch.h"

/* A day: long enough for any drop to have been read. */
#define EXPORT_MAX_AGE_SECONDS (24 * 60 * 60)

static char *
export_root (void)
{
  return g_build_filename (g_get_user_cache_dir (), "keepsake", "export", NULL);
}

/* --- Into a folder, one photo at a time */

typedef struct
{
  KsApiClient          *api;
  SoupSession          *soup;
  GPtrArray            *items; /* KsPhotoItem */
  GFile                *folder;
  KsPhotoExportProgress progress;
  gpointer              progress_data;
  GPtrArray            *files;   /* GFile: written */
  GFile                *current; /* nullable: being fetched */
  guint                 next;
  guint                 n_failed;
  GError               *first_error; /* nullable */
} FolderExport;

static void
folder_export_free (FolderExport *export)
{
  g_object_unref (export->api);
  g_object_unref (export->soup);
  g_ptr_array_unref (export->items);
  g_object_unref (export->folder);
  g_ptr_array_unref (export->files);
  g_clear_object (&export->current);
  g_clear_error (&export->first_error);
  g_free (export);
}

static void export_next (GTask *task);

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  FolderExport *export = g_task_get_task_data (task);
  g_autoptr (GFile) dest = g_steal_pointer (&export->current);
  g_autoptr (GError) error = NULL;

  if (ks_photo_fetch_finish (result, &error))
    g_ptr_array_add (export->files, g_steal_pointer (&dest));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  else
    {
      g_debug ("Exporting an original: %s", error->message);
      /* Only a photo still uploading is read from a local file. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_clear_error (&error);
          error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                       _ ("Its file on this computer is gone."));
        }
      export->n_failed++;
      if (export->first_error == NULL)
        export->first_error = g_steal_pointer (&error);
    }
  export_next (g_steal_pointer (&task));
}

static void
export_next (GTask *task)
{
  FolderExport *export = g_task_get_task_data (task);
  KsPhotoItem *item;

  if (export->next >= export->items->len)
    {
      if (export->files->len == 0 && export->first_error != NULL)
        g_task_return_error (task, g_steal_pointer (&export->first_error));
      else
        g_task_return_pointer (task, g_ptr_array_ref (export->files),
                               (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  item = g_ptr_array_index (export->items, export->next++);
  if (export->progress != NULL)
    export->progress (export->next, export->items->len, export->progress_data);
  export->current = ks_photo_fetch_unique_file (export->folder, ks_photo_item_get_title (item));
  ks_photo_fetch_async (export->api, export->soup, item, KS_PHOTO_FETCH_ORIGINAL, export->current,
                        NULL, NULL, g_task_get_cancellable (task), fetched_cb, task);
}

void
ks_photo_export_to_folder_async (KsApiClient          *api,
                                 SoupSession          *soup,
                                 GPtrArray            *items,
                                 GFile                *folder,
                                 KsPhotoExportProgress progress,
                                 gpointer              progress_data,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  GTask *task;
  FolderExport *export;

  g_return_if_fail (KS_IS_API_CLIENT (api));
  g_return_if_fail (SOUP_IS_SESSION (soup));
  g_return_if_fail (items != NULL);
  g_return_if_fail (G_IS_FILE (folder));

  task = g_task_new (NULL, cancellable, callback, user_data);
  export = g_new0 (FolderExport, 1);
  g_task_set_source_tag (task, ks_photo_export_to_folder_async);
  export->api = g_object_ref (api);
  export->soup = g_object_ref (soup);
  export->items = g_ptr_array_ref (items);
  export->folder = g_object_ref (folder);
  export->progress = progress;
  export->progress_data = progress_data;
  export->files = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, export, (GDestroyNotify) folder_export_free);
  export_next (task);
}

GPtrArray *
ks_photo_export_to_folder_finish (GAsyncResult *result,
                                  guint        *out_n_failed,
                                  GError      **error)
{
  FolderExport *export;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  export = g_task_get_task_data (G_TASK (result));
  if (out_n_failed != NULL)
    *out_n_failed = export->n_failed;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- Dragged out: a content provider */

typedef enum
{
  EXPORT_IDLE,
  EXPORT_RUNNING,
  EXPORT_DONE,
  EXPORT_FAILED,
} ExportState;

struct _KsPhotoExport
{
  GdkContentProvider parent_instance;

  KsApiClient *api;
  SoupSession *soup;
  GPtrArray   *items; /* KsPhotoItem */
  ExportState  state;
  GPtrArray   *files;   /* GFile: once DONE */
  GError      *error;   /* once FAILED */
  GPtrArray   *waiting; /* GTask: write requests until the export ends */
};

G_DEFINE_FINAL_TYPE (KsPhotoExport, ks_photo_export, GDK_TYPE_CONTENT_PROVIDER)

enum
{
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  char          *mime_type;
  GOutputStream *stream;
  int            io_priority;
} WriteRequest;

static void
write_request_free (WriteRequest *request)
{
  g_free (request->mime_type);
  g_object_unref (request->stream);
  g_free (request);
}

static GdkFileList *
file_list_new (KsPhotoExport *self)
{
  return gdk_file_list_new_from_array ((GFile **) self->files->pdata, self->files->len);
}

static void
serialized_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (gdk_content_serialize_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Hands a finished export to one request. */
static void
answer_request (KsPhotoExport *self,
                GTask         *task)
{
  WriteRequest *request = g_task_get_task_data (task);
  g_auto (GValue) value = G_VALUE_INIT;

  if (self->state == EXPORT_FAILED)
    {
      g_task_return_error (task, g_error_copy (self->error));
      g_object_unref (task);
      return;
    }
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, file_list_new (self));
  gdk_content_serialize_async (request->stream, request->mime_type, &value, request->io_priority,
                               g_task_get_cancellable (task), serialized_cb, task);
}

static char *
failure_message (KsPhotoExport *self,
                 guint          n_failed)
{
  if (self->state == EXPORT_FAILED && self->items->len == 1)
    /* Translators: a photo dragged out to Files; then why it failed */
    return g_strdup_printf (_ ("“%s” could not be exported: %s"),
                            ks_photo_item_get_title (g_ptr_array_index (self->items, 0)),
                            self->error->message);
  if (self->state == EXPORT_FAILED)
    return g_strdup_printf (_ ("The photos could not be exported: %s"), self->error->message);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u photo could not be exported",
                                       "%u photos could not be exported", n_failed),
                          n_failed);
}

/* The export is over: every request waiting gets its answer. Takes
 * @files and @error. */
static void
export_ended (KsPhotoExport *self,
              GPtrArray     *files,
              GError        *error,
              guint          n_failed)
{
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&self->waiting);

  self->files = files;
  self->error = error;
  self->state = files != NULL ? EXPORT_DONE : EXPORT_FAILED;
  self->waiting = g_ptr_array_new ();
  if (n_failed > 0 || files == NULL)
    {
      g_autofree char *message = failure_message (self, n_failed);

      g_signal_emit (self, signals[SIGNAL_FAILED], 0, message);
    }
  for (guint i = 0; i < waiting->len; i++)
    answer_request (self, g_ptr_array_index (waiting, i));
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (KsPhotoExport) self = user_data;
  GError    *error = NULL;
  guint      n_failed = 0;
  GPtrArray *files = ks_photo_export_to_folder_finish (result, &n_failed, &error);

  export_ended (self, files, error, n_failed);
}

/* A directory of this drag's own: names never clash with another's. */
static void
make_dir_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  g_autofree char *root = export_root ();
  g_autofree char *template = g_build_filename (root, "XXXXXX", NULL);
  int saved_errno;

  if (g_mkdir_with_parents (root, 0700) != 0 || g_mkdtemp_full (template, 0700) == NULL)
    {
      saved_errno = errno;
      g_debug ("Making an export directory in %s: %s", root, g_strerror (saved_errno));
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               _ ("The photos could not be saved in the cache folder: %s"),
                               g_strerror (saved_errno));
      return;
    }
  g_task_return_pointer (task, g_file_new_for_path (template), g_object_unref);
}

static void
dir_made_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  KsPhotoExport *self = KS_PHOTO_EXPORT (source);
  GError        *error = NULL;
  g_autoptr (GFile) dir = g_task_propagate_pointer (G_TASK (result), &error);

  if (dir == NULL)
    {
      export_ended (self, NULL, error, self->items->len);
      return;
    }
  ks_photo_export_to_folder_async (self->api, self->soup, self->items, dir, NULL, NULL, NULL,
                                   exported_cb, g_object_ref (self));
}

static void
start_export (KsPhotoExport *self)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, dir_made_cb, NULL);

  self->state = EXPORT_RUNNING;
  g_task_set_source_tag (task, start_export);
  g_task_run_in_thread (task, make_dir_thread);
}

static GdkContentFormats *
ks_photo_export_ref_formats (GdkContentProvider *provider)
{
  GdkContentFormats *formats = gdk_content_formats_new_for_gtype (GDK_TYPE_FILE_LIST);

  /* Listed as MIME types too, or GDK would ask get_value for them
   * without waiting for the downloads. */
  return gdk_content_formats_union_serialize_mime_types (formats);
}

static void
ks_photo_export_write_mime_type_async (GdkContentProvider *provider,
                                       const char         *mime_type,
                                       GOutputStream      *stream,
                                       int                 io_priority,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  KsPhotoExport *self = KS_PHOTO_EXPORT (provider);
  g_autoptr (GdkContentFormats) formats = ks_photo_export_ref_formats (provider);
  GTask        *task = g_task_new (self, cancellable, callback, user_data);
  WriteRequest *request = g_new0 (WriteRequest, 1);

  g_task_set_source_tag (task, ks_photo_export_write_mime_type_async);
  g_task_set_priority (task, io_priority);
  request->mime_type = g_strdup (mime_type);
  request->stream = g_object_ref (stream);
  request->io_priority = io_priority;
  g_task_set_task_data (task, request, (GDestroyNotify) write_request_free);

  if (!gdk_content_formats_contain_mime_type (formats, mime_type))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Photos cannot be given as %s", mime_type);
      g_object_unref (task);
      return;
    }

  switch (self->state)
    {
    case EXPORT_IDLE:
      g_ptr_array_add (self->waiting, task);
      start_export (self);
      break;
    case EXPORT_RUNNING:
      g_ptr_array_add (self->waiting, task);
      break;
    case EXPORT_DONE:
    case EXPORT_FAILED:
    default:
      answer_request (self, task);
      break;
    }
}

static gboolean
ks_photo_export_write_mime_type_finish (GdkContentProvider *provider,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, provider), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
ks_photo_export_get_value (GdkContentProvider *provider,
                           GValue             *value,
                           GError            **error)
{
  KsPhotoExport *self = KS_PHOTO_EXPORT (provider);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST) && self->state == EXPORT_DONE)
    {
      g_value_take_boxed (value, file_list_new (self));
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      /* Not NOT_SUPPORTED: GDK would then export through the MIME types. */
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("These photos are already in Keepsake."));
      return FALSE;
    }
  return GDK_CONTENT_PROVIDER_CLASS (ks_photo_export_parent_class)->get_value (provider, value, error);
}

static void
ks_photo_export_finalize (GObject *object)
{
  KsPhotoExport *self = KS_PHOTO_EXPORT (object);

  g_object_unref (self->api);
  g_object_unref (self->soup);
  g_ptr_array_unref (self->items);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  g_clear_error (&self->error);
  g_ptr_array_unref (self->waiting);

  G_OBJECT_CLASS (ks_photo_export_parent_class)->finalize (object);
}

static void
ks_photo_export_class_init (KsPhotoExportClass *klass)
{
  GObjectClass            *object_class = G_OBJECT_CLASS (klass);
  GdkContentProviderClass *provider_class = GDK_CONTENT_PROVIDER_CLASS (klass);

  object_class->finalize = ks_photo_export_finalize;
  provider_class->ref_formats = ks_photo_export_ref_formats;
  provider_class->write_mime_type_async = ks_photo_export_write_mime_type_async;
  provider_class->write_mime_type_finish = ks_photo_export_write_mime_type_finish;
  provider_class->get_value = ks_photo_export_get_value;

  /* (const char *message) */
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ks_photo_export_init (KsPhotoExport *self)
{
  self->waiting = g_ptr_array_new ();
}

KsPhotoExport *
ks_photo_export_new (KsApiClient *api,
                     SoupSession *soup,
                     GPtrArray   *items)
{
  KsPhotoExport *self;

  g_return_val_if_fail (KS_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (SOUP_IS_SESSION (soup), NULL);
  g_return_val_if_fail (items != NULL, NULL);

  self = g_object_new (KS_TYPE_PHOTO_EXPORT, NULL);
  self->api = g_object_ref (api);
  self->soup = g_object_ref (soup);
  self->items = g_ptr_array_ref (items);
  return self;
}

guint
ks_photo_export_get_n_photos (KsPhotoExport *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_EXPORT (self), 0);

  return self->items->len;
}

/* --- Old exports */

/* Without following links: only what the export made goes. */
static void
remove_tree (const char *path)
{
  GStatBuf st;
  GDir    *dir;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode) && (dir = g_dir_open (path, 0, NULL)) != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_dir_close (dir);
    }
  if (g_remove (path) != 0)
    g_debug ("Removing an old export, %s: %s", path, g_strerror (errno));
}

static void
prune_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  g_autofree char *root = export_root ();
  g_autoptr (GDir) dir = g_dir_open (root, 0, NULL);
  gint64      cutoff = g_get_real_time () / G_USEC_PER_SEC - EXPORT_MAX_AGE_SECONDS;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, NULL);
      GStatBuf         st;

      if (g_lstat (path, &st) == 0 && S_ISDIR (st.st_mode) && st.st_mtime < cutoff)
        remove_tree (path);
    }
  g_task_return_boolean (task, TRUE);
}

void
ks_photo_export_prune (void)
{
  static gsize started = 0;

  if (g_once_init_enter (&started))
    {
      g_autoptr (GTask) task = g_task_new (NULL, NULL, NULL, NULL);

      g_task_set_source_tag (task, ks_photo_export_prune);
      g_task_run_in_thread (task, prune_thread);
      g_once_init_leave (&started, 1);
    }
}

gboolean
ks_photo_export_accept_external_drop (GtkDropTarget *target,
                                      GdkDrop       *drop,
                                      gpointer       user_data)
{
  GdkContentFormats *formats = gtk_drop_target_get_formats (target);

  if (gdk_drop_get_drag (drop) != NULL)
    return FALSE;
  return (gdk_drop_get_actions (drop) & gtk_drop_target_get_actions (target)) != 0 &&
         (formats == NULL || gdk_content_formats_match (formats, gdk_drop_get_formats (drop)));
}
