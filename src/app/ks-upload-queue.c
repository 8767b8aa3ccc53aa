/* ks-upload-queue.c: photos the user dropped or picked, on their way up
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-cloud-error.h"
#include "ks-image-info.h"
#include "ks-sync-error.h"
#include "ks-thumbnailer.h"
#include "ks-upload-queue.h"

/* Hashing and thumbnails keep the cores busy, uploads the network. */
#define MAX_ACTIVE 3
/* Folders dropped by mistake (a whole home directory) stop here. */
#define MAX_DEPTH 16
/* Out of reach: photos wait, and are tried again after this many
 * seconds, twice as many each time up to the last, or as soon as the
 * network comes back. */
#define RETRY_FIRST 2
#define RETRY_MAX 60

struct _KsUploadQueue
{
  GObject parent_instance;

  KsAccount        *account;
  KsThumbnailCache *cache;
  GFile            *work_dir; /* thumbnails made here before upload */
  GCancellable     *cancellable;
  GQueue            waiting; /* Job */
  GPtrArray        *active;  /* Job */
  GPtrArray        *failed;  /* Job */
  guint             n_total;
  guint             n_done;
  gboolean          paused;
  double            fraction;
  char             *last_error;
  guint             retry_id;    /* offline: waiting to try again */
  guint             retry_delay; /* seconds */
  GNetworkMonitor  *monitor;
};

G_DEFINE_FINAL_TYPE (KsUploadQueue, ks_upload_queue, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BUSY,
  PROP_N_TOTAL,
  PROP_N_DONE,
  PROP_N_FAILED,
  PROP_FRACTION,
  PROP_PAUSED,
  PROP_OFFLINE,
  N_PROPS
};

enum
{
  ITEM_ADDED,
  ITEM_UPLOADED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

typedef struct
{
  KsUploadQueue *queue; /* unowned; a running job holds a reference */
  KsPhotoItem   *item;
  char          *album_id; /* nullable */
  KsThumbnails  *thumbs;   /* nullable until made */
} Job;

static void
job_free (Job *job)
{
  g_object_unref (job->item);
  g_free (job->album_id);
  g_clear_pointer (&job->thumbs, ks_thumbnails_free);
  g_free (job);
}

static void run_next (KsUploadQueue *self);
static void wait_to_retry (KsUploadQueue *self);

static void
ks_upload_queue_dispose (GObject *object)
{
  KsUploadQueue *self = KS_UPLOAD_QUEUE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_queue_clear_full (&self->waiting, (GDestroyNotify) job_free);
  g_clear_object (&self->account);
  g_clear_object (&self->cache);
  g_clear_object (&self->work_dir);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (ks_upload_queue_parent_class)->dispose (object);
}

static void
ks_upload_queue_finalize (GObject *object)
{
  KsUploadQueue *self = KS_UPLOAD_QUEUE (object);

  g_ptr_array_unref (self->active);
  g_ptr_array_unref (self->failed);
  g_free (self->last_error);

  G_OBJECT_CLASS (ks_upload_queue_parent_class)->finalize (object);
}

static void
ks_upload_queue_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KsUploadQueue *self = KS_UPLOAD_QUEUE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, ks_upload_queue_get_busy (self));
      break;
    case PROP_N_TOTAL:
      g_value_set_uint (value, self->n_total);
      break;
    case PROP_N_DONE:
      g_value_set_uint (value, self->n_done);
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, self->failed->len);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, self->fraction);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    case PROP_OFFLINE:
      g_value_set_boolean (value, self->retry_id != 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_upload_queue_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KsUploadQueue *self = KS_UPLOAD_QUEUE (object);

  switch (prop_id)
    {
    case PROP_PAUSED:
      ks_upload_queue_set_paused (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_upload_queue_class_init (KsUploadQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_upload_queue_dispose;
  object_class->finalize = ks_upload_queue_finalize;
  object_class->get_property = ks_upload_queue_get_property;
  object_class->set_property = ks_upload_queue_set_property;

  properties[PROP_BUSY] =
      g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_TOTAL] =
      g_param_spec_uint ("n-total", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_DONE] =
      g_param_spec_uint ("n-done", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_N_FAILED] =
      g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_FRACTION] =
      g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Paused: nothing new starts; uploads already running finish. */
  properties[PROP_PAUSED] =
      g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OFFLINE] =
      g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ITEM_ADDED] =
      g_signal_new ("item-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, KS_TYPE_PHOTO_ITEM, G_TYPE_STRING);
  signals[ITEM_UPLOADED] =
      g_signal_new ("item-uploaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, KS_TYPE_PHOTO_ITEM, G_TYPE_STRING);
}

static void
ks_upload_queue_init (KsUploadQueue *self)
{
  g_queue_init (&self->waiting);
  self->active = g_ptr_array_new ();
  self->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  self->cancellable = g_cancellable_new ();
  self->retry_delay = RETRY_FIRST;
}

static void retry_now (KsUploadQueue *self);

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    KsUploadQueue   *self)
{
  if (available && self->retry_id != 0)
    retry_now (self);
}

KsUploadQueue *
ks_upload_queue_new (KsAccount        *account,
                     KsThumbnailCache *cache)
{
  KsUploadQueue   *self = g_object_new (KS_TYPE_UPLOAD_QUEUE, NULL);
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "keepsake", "uploads", NULL);

  self->account = g_object_ref (account);
  self->cache = g_object_ref (cache);
  g_mkdir_with_parents (dir, 0700);
  self->work_dir = g_file_new_for_path (dir);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);
  return self;
}

gboolean
ks_upload_queue_get_busy (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), FALSE);

  return self->active->len > 0 || self->waiting.length > 0;
}

guint
ks_upload_queue_get_n_total (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), 0);

  return self->n_total;
}

guint
ks_upload_queue_get_n_done (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), 0);

  return self->n_done;
}

guint
ks_upload_queue_get_n_failed (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), 0);

  return self->failed->len;
}

double
ks_upload_queue_get_fraction (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), 0);

  return self->fraction;
}

const char *
ks_upload_queue_get_last_error (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), NULL);

  return self->failed->len > 0 || self->retry_id != 0 ? self->last_error : NULL;
}

gboolean
ks_upload_queue_get_offline (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), FALSE);

  return self->retry_id != 0;
}

static void
update_fraction (KsUploadQueue *self)
{
  double sum = self->n_done;
  double fraction;

  for (guint i = 0; i < self->active->len; i++)
    sum += ks_photo_item_get_progress (((Job *) g_ptr_array_index (self->active, i))->item);
  fraction = self->n_total > 0 ? sum / self->n_total : 0;
  if (fraction == self->fraction)
    return;
  self->fraction = fraction;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

/* A job ended (@error NULL: well). The counters restart once the queue
 * has nothing left to do. */
static void
job_done (Job    *job,
          GError *error)
{
  g_autoptr (KsUploadQueue) self = job->queue;
  gboolean was_busy = ks_upload_queue_get_busy (self);

  g_ptr_array_remove (self->active, job);
  /* The server out of reach: not the photo's failure. It waits, first
   * in line, for the next try, which starts from its upload when its
   * thumbnails are still there (they go once it is uploaded). */
  if (ks_cloud_error_is_transient (error) && !g_cancellable_is_cancelled (self->cancellable))
    {
      if (ks_photo_item_get_photo (job->item) != NULL)
        g_clear_pointer (&job->thumbs, ks_thumbnails_free);
      g_debug ("Upload of %s waits: %s", ks_photo_item_get_title (job->item), error->message);
      g_queue_push_head (&self->waiting, job);
      g_free (self->last_error);
      self->last_error = g_strdup (error->message);
      wait_to_retry (self);
      return;
    }
  g_clear_pointer (&job->thumbs, ks_thumbnails_free);
  if (error == NULL)
    self->retry_delay = RETRY_FIRST;
  if (error != NULL)
    {
      ks_photo_item_set_failed (job->item, error->message);
      g_free (self->last_error);
      self->last_error = g_strdup (error->message);
      g_ptr_array_add (self->failed, job);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
    }
  else
    {
      g_signal_emit (self, signals[ITEM_UPLOADED], 0, job->item, job->album_id);
      job_free (job);
    }

  self->n_done++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
  update_fraction (self);
  run_next (self);

  if (!ks_upload_queue_get_busy (self))
    {
      self->n_total = self->n_done = 0;
      self->fraction = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
    }
  if (was_busy != ks_upload_queue_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static gboolean
retry_cb (gpointer user_data)
{
  KsUploadQueue *self = user_data;

  self->retry_id = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
  run_next (self);
  return G_SOURCE_REMOVE;
}

static void
retry_now (KsUploadQueue *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  retry_cb (self);
}

/* Nothing new starts until the next try; what runs finishes or waits
 * too. */
static void
wait_to_retry (KsUploadQueue *self)
{
  if (self->retry_id != 0)
    return;
  self->retry_id = g_timeout_add_seconds (self->retry_delay, retry_cb, self);
  self->retry_delay = MIN (self->retry_delay * 2, RETRY_MAX);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

/* Errors the user can act on get a sentence of ours; the libraries'
 * messages are already sentences. */
static GError *
user_error (GError *error)
{
  if (g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_IMAGE))
    return g_error_new_literal (KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_IMAGE,
                                _ ("This file is not a photo."));
  return g_error_copy (error);
}

static void
added_to_album_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) shown = NULL;

  if (!ks_api_client_add_album_photos_finish (KS_API_CLIENT (source), result, NULL, NULL, &error))
    {
      g_debug ("Adding to album %s: %s", job->album_id, error->message);
      shown = g_error_new (error->domain, error->code,
                           _ ("Uploaded, but not added to the album: %s"), error->message);
    }
  job_done (job, shown);
}

static void
uploaded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) shown = NULL;
  KsPhoto    *photo;
  const char *ids[2] = { NULL, NULL };

  photo = ks_uploader_upload_photo_finish (KS_UPLOADER (source), result, NULL, &error);
  if (photo == NULL)
    {
      shown = user_error (error);
      job_done (job, shown);
      return;
    }

  g_file_delete (job->thumbs->grid, NULL, NULL);
  g_file_delete (job->thumbs->preview, NULL, NULL);
  ks_photo_item_set_photo (job->item, photo);

  if (job->album_id == NULL)
    {
      job_done (job, NULL);
      return;
    }
  ids[0] = ks_photo_item_get_id (job->item);
  ks_api_client_add_album_photos_async (ks_account_get_api (job->queue->account), job->album_id,
                                        ids, job->queue->cancellable, added_to_album_cb, job);
}

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  Job *job = user_data;

  if (total > 0)
    ks_photo_item_set_progress (job->item, (double) done / total);
  update_fraction (job->queue);
}

static KsPrepareRequest *
prepare_request_new (KsThumbnails *thumbs,
                     GFile        *original)
{
  KsPrepareRequest *request = ks_prepare_request_new ();

  request->sha256 = g_strdup (thumbs->sha256);
  request->size = thumbs->size;
  request->content_type = g_strdup (thumbs->info->content_type);
  request->file_name = g_file_get_basename (original);
  request->taken_at = g_strdup (thumbs->info->taken_at);
  request->width = thumbs->info->width;
  request->height = thumbs->info->height;
  g_ptr_array_add (request->thumbnails,
                   ks_thumbnail_info_new ("grid", thumbs->grid_size, thumbs->grid_sha256));
  g_ptr_array_add (request->thumbnails,
                   ks_thumbnail_info_new ("preview", thumbs->preview_size, thumbs->preview_sha256));
  return request;
}

/* The job's thumbnails made: the original and them up. */
static void
start_upload (Job *job)
{
  GFile *original = ks_photo_item_get_original (job->item);
  g_autoptr (KsPrepareRequest) request = prepare_request_new (job->thumbs, original);

  ks_uploader_upload_photo_async (ks_account_get_uploader (job->queue->account), original, request,
                                  job->thumbs->grid, job->thumbs->preview, progress_cb, job,
                                  job->queue->cancellable, uploaded_cb, job);
}

static void
thumbnails_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) shown = NULL;

  job->thumbs = ks_thumbnails_make_finish (result, &error);
  if (job->thumbs == NULL)
    {
      shown = user_error (error);
      job_done (job, shown);
      return;
    }

  ks_thumbnail_cache_add_file (job->queue->cache, job->thumbs->grid_sha256, job->thumbs->grid);
  ks_photo_item_set_uploading (job->item, job->thumbs->grid, job->thumbs->grid_sha256);
  start_upload (job);
}

gboolean
ks_upload_queue_get_paused (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), FALSE);

  return self->paused;
}

/* Nothing lost while paused: waiting photos keep their placeholders and
 * start, in order, on resume. */
void
ks_upload_queue_set_paused (KsUploadQueue *self,
                            gboolean       paused)
{
  g_return_if_fail (KS_IS_UPLOAD_QUEUE (self));

  paused = !!paused;
  if (self->paused == paused)
    return;
  self->paused = paused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
  run_next (self);
}

static void
run_next (KsUploadQueue *self)
{
  if (self->paused || self->retry_id != 0)
    return;

  while (self->active->len < MAX_ACTIVE && self->waiting.length > 0)
    {
      Job *job = g_queue_pop_head (&self->waiting);

      g_object_ref (self);
      g_ptr_array_add (self->active, job);
      if (job->thumbs != NULL)
        {
          start_upload (job);
          continue;
        }
      ks_photo_item_set_preparing (job->item);
      ks_thumbnails_make_async (ks_photo_item_get_original (job->item), self->work_dir,
                                G_PRIORITY_DEFAULT, self->cancellable, thumbnails_cb, job);
    }
}

static void
enqueue (KsUploadQueue *self,
         Job           *job)
{
  gboolean was_busy = ks_upload_queue_get_busy (self);

  g_queue_push_tail (&self->waiting, job);
  self->n_total++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
  update_fraction (self);
  run_next (self);
  if (!was_busy)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
add_file (KsUploadQueue *self,
          GFile         *file,
          const char    *album_id)
{
  Job *job = g_new0 (Job, 1);

  job->queue = self;
  job->item = ks_photo_item_new_pending (file);
  job->album_id = g_strdup (album_id);
  g_signal_emit (self, signals[ITEM_ADDED], 0, job->item, album_id);
  enqueue (self, job);
}

/* --- Folders: their images, found on a worker thread */

static void
collect_images (GFile        *dir,
                int           depth,
                GPtrArray    *files,
                GCancellable *cancellable)
{
  g_autoptr (GFileEnumerator) enumerator = NULL;
  GFileInfo *info;
  GFile     *child;

  if (depth > MAX_DEPTH)
    return;
  enumerator = g_file_enumerate_children (dir,
                                          G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE,
                                          G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, cancellable, NULL);
  if (enumerator == NULL)
    return;

  while (g_file_enumerator_iterate (enumerator, &info, &child, cancellable, NULL) && info != NULL)
    {
      const char *type = g_file_info_get_attribute_string (info, G_FILE_ATTRIBUTE_STANDARD_FAST_CONTENT_TYPE);

      if (ks_image_info_name_is_ignored (g_file_info_get_name (info)))
        continue;
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        collect_images (child, depth + 1, files, cancellable);
      else if (type != NULL && g_content_type_is_mime_type (type, "image/*"))
        g_ptr_array_add (files, g_object_ref (child));
    }
}

static void
expand_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GPtrArray *dropped = task_data;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < dropped->len; i++)
    {
      GFile *file = g_ptr_array_index (dropped, i);

      if (g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, cancellable) == G_FILE_TYPE_DIRECTORY)
        collect_images (file, 0, files, cancellable);
      else
        g_ptr_array_add (files, g_object_ref (file));
    }
  g_task_return_pointer (task, g_steal_pointer (&files), (GDestroyNotify) g_ptr_array_unref);
}

static void
expanded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  KsUploadQueue   *self = KS_UPLOAD_QUEUE (source);
  g_autofree char *album_id = user_data;
  g_autoptr (GPtrArray) files = g_task_propagate_pointer (G_TASK (result), NULL);

  if (files == NULL)
    return;
  for (guint i = 0; i < files->len; i++)
    add_file (self, g_ptr_array_index (files, i), album_id);
}

void
ks_upload_queue_add_files (KsUploadQueue *self,
                           GListModel    *files,
                           const char    *album_id)
{
  g_autoptr (GTask) task = NULL;
  GPtrArray *dropped;

  g_return_if_fail (KS_IS_UPLOAD_QUEUE (self));
  g_return_if_fail (G_IS_LIST_MODEL (files));

  dropped = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    g_ptr_array_add (dropped, g_list_model_get_item (files, i));

  task = g_task_new (self, self->cancellable, expanded_cb, g_strdup (album_id));
  g_task_set_source_tag (task, ks_upload_queue_add_files);
  g_task_set_task_data (task, dropped, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, expand_thread);
}

void
ks_upload_queue_retry_failed (KsUploadQueue *self)
{
  g_autofree Job **failed = NULL;
  gsize            n_failed = 0;

  g_return_if_fail (KS_IS_UPLOAD_QUEUE (self));

  failed = (Job **) g_ptr_array_steal (self->failed, &n_failed);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);

  /* A photo uploaded but not added to its album goes up again: the
   * server knows its content, so nothing is sent twice. */
  for (gsize i = 0; i < n_failed; i++)
    enqueue (self, failed[i]);
}
