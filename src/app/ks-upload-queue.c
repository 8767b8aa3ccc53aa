/* ks-upload-queue.c: photos the user dropped or picked, on their way up
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-image-info.h"
#include "ks-upload-queue.h"

/* Folders dropped by mistake (a whole home directory) stop here. */
#define MAX_DEPTH 16

/*
 * The sync engine does the work: a drop is written to its journal at
 * once (nothing is lost to a crash or a reboot), goes before the
 * background sync, and waits out pauses, metered networks, low
 * batteries and a server out of reach like any synced file. The queue
 * keeps a placeholder per file and follows the engine's per-file
 * signals by path.
 */

typedef struct
{
  KsPhotoItem *item;
  char        *path;     /* canonical: how the engine names it */
  char        *album_id; /* nullable */
  gboolean     fetching; /* uploaded; asking the server for the photo */
  guint64      seq;      /* the order of the placeholders */
} Entry;

struct _KsUploadQueue
{
  GObject parent_instance;

  KsAccount        *account;
  KsThumbnailCache *cache;
  KsSyncEngine     *engine; /* nullable until the journal is open */
  GCancellable     *cancellable;
  GHashTable       *entries;   /* path → GQueue of Entry, oldest first */
  GPtrArray        *unsent;    /* Entry, while there is no engine */
  GPtrArray        *failed;    /* Entry, oldest failure first */
  GHashTable       *restoring; /* unowned, nullable: the listing of earlier drops under way */
  guint             n_entries;
  guint64           next_seq;
  guint             n_expanding;  /* drops whose folders are being listed */
  guint             n_journaling; /* drops the engine is writing down */
  guint             n_total;
  guint             n_done;
  gboolean          paused;
  int               pause_asked; /* -1, or what was asked before the engine came */
};

G_DEFINE_FINAL_TYPE (KsUploadQueue, ks_upload_queue, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BUSY,
  PROP_N_TOTAL,
  PROP_N_DONE,
  PROP_N_FAILED,
  PROP_PAUSED,
  PROP_OFFLINE,
  PROP_RECORDING,
  N_PROPS
};

enum
{
  ITEMS_ADDED,
  ITEM_UPLOADED,
  ITEM_DISMISSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

static void
entry_free (Entry *entry)
{
  g_object_unref (entry->item);
  g_free (entry->path);
  g_free (entry->album_id);
  g_free (entry);
}

static void
entries_free (GQueue *entries)
{
  g_queue_free_full (entries, (GDestroyNotify) entry_free);
}

static void disconnect_engine (KsUploadQueue *self);
static void restore_dropped (KsUploadQueue *self);

static void
ks_upload_queue_dispose (GObject *object)
{
  KsUploadQueue *self = KS_UPLOAD_QUEUE (object);

  g_cancellable_cancel (self->cancellable);
  disconnect_engine (self);
  g_clear_object (&self->account);
  g_clear_object (&self->cache);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (ks_upload_queue_parent_class)->dispose (object);
}

static void
ks_upload_queue_finalize (GObject *object)
{
  KsUploadQueue *self = KS_UPLOAD_QUEUE (object);

  g_ptr_array_unref (self->unsent);
  g_ptr_array_unref (self->failed);
  g_hash_table_unref (self->entries);

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
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    case PROP_RECORDING:
      g_value_set_boolean (value, ks_upload_queue_get_recording (self));
      break;
    case PROP_OFFLINE:
      g_value_set_boolean (value, ks_upload_queue_get_offline (self));
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
  properties[PROP_PAUSED] =
      g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RECORDING] =
      g_param_spec_boolean ("recording", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OFFLINE] =
      g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ITEMS_ADDED] =
      g_signal_new ("items-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_PTR_ARRAY, G_TYPE_STRING);
  signals[ITEM_UPLOADED] =
      g_signal_new ("item-uploaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, KS_TYPE_PHOTO_ITEM, G_TYPE_STRING);
  signals[ITEM_DISMISSED] =
      g_signal_new ("item-dismissed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, KS_TYPE_PHOTO_ITEM);
}

static void
ks_upload_queue_init (KsUploadQueue *self)
{
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entries_free);
  self->unsent = g_ptr_array_new ();
  self->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  self->cancellable = g_cancellable_new ();
  self->pause_asked = -1;
}

KsUploadQueue *
ks_upload_queue_new (KsAccount        *account,
                     KsThumbnailCache *cache)
{
  KsUploadQueue *self = g_object_new (KS_TYPE_UPLOAD_QUEUE, NULL);

  self->account = g_object_ref (account);
  self->cache = g_object_ref (cache);
  return self;
}

gboolean
ks_upload_queue_get_busy (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), FALSE);

  return self->n_entries > 0 || self->n_expanding > 0;
}

gboolean
ks_upload_queue_get_recording (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), FALSE);

  return self->n_expanding > 0 || self->n_journaling > 0 || self->unsent->len > 0;
}

static void
notify_recording (KsUploadQueue *self,
                  gboolean       was_recording)
{
  if (was_recording != ks_upload_queue_get_recording (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
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

guint
ks_upload_queue_get_n_unsent (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), 0);

  return self->unsent->len;
}

gboolean
ks_upload_queue_get_offline (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), FALSE);

  return self->engine != NULL && ks_sync_engine_get_state (self->engine) == KS_SYNC_STATE_OFFLINE;
}

const char *
ks_upload_queue_get_last_error (KsUploadQueue *self)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), NULL);

  if (ks_upload_queue_get_offline (self) && self->n_entries > 0)
    return ks_sync_engine_get_last_error (self->engine);
  /* The newest failure still shown, whatever the user dismissed since. */
  if (self->failed->len == 0)
    return NULL;
  return ks_photo_item_get_error (((Entry *) g_ptr_array_index (self->failed, self->failed->len - 1))->item);
}

gboolean
ks_upload_queue_has_file (KsUploadQueue *self,
                          const char    *path)
{
  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), FALSE);

  return path != NULL && g_hash_table_contains (self->entries, path);
}

/* The oldest placeholder of @path the engine has not finished. */
static Entry *
find_entry (KsUploadQueue *self,
            const char    *path)
{
  GQueue *entries = g_hash_table_lookup (self->entries, path);

  for (GList *l = entries != NULL ? entries->head : NULL; l != NULL; l = l->next)
    if (!((Entry *) l->data)->fetching)
      return l->data;
  return NULL;
}

static void
insert_entry (KsUploadQueue *self,
              Entry         *entry)
{
  GQueue *entries = g_hash_table_lookup (self->entries, entry->path);

  if (entries == NULL)
    {
      entries = g_queue_new ();
      g_hash_table_insert (self->entries, g_strdup (entry->path), entries);
    }
  g_queue_push_tail (entries, entry);
  entry->seq = self->next_seq++;
  self->n_entries++;
}

static void
take_entry (KsUploadQueue *self,
            Entry         *entry)
{
  GQueue *entries = g_hash_table_lookup (self->entries, entry->path);

  g_queue_remove (entries, entry);
  if (g_queue_is_empty (entries))
    g_hash_table_remove (self->entries, entry->path);
  g_ptr_array_remove (self->unsent, entry);
  self->n_entries--;
}

/* An entry ended (@error NULL: well). The counters restart once the
 * queue has nothing left to do. */
static void
entry_finished (KsUploadQueue *self,
                Entry         *entry,
                const GError  *error)
{
  gboolean was_busy = ks_upload_queue_get_busy (self);

  take_entry (self, entry);
  if (error != NULL)
    {
      ks_photo_item_set_failed (entry->item, error->message);
      entry->fetching = FALSE;
      g_ptr_array_add (self->failed, entry);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
    }
  else
    {
      g_signal_emit (self, signals[ITEM_UPLOADED], 0, entry->item, entry->album_id);
      entry_free (entry);
    }

  self->n_done++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
  if (!ks_upload_queue_get_busy (self))
    {
      self->n_total = self->n_done = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_DONE]);
    }
  if (was_busy != ks_upload_queue_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* --- What the engine says, by path */

typedef struct
{
  KsUploadQueue *queue; /* owned */
  Entry         *entry;
} Fetch;

static void
photo_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Fetch         *fetch = user_data;
  KsUploadQueue *self = fetch->queue;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) shown = NULL;
  KsPhoto *photo = ks_api_client_get_photo_finish (KS_API_CLIENT (source), result, &error);

  if (photo != NULL)
    {
      ks_photo_item_set_photo (fetch->entry->item, photo);
      entry_finished (self, fetch->entry, NULL);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Uploaded: a retry only asks again. */
      shown = g_error_new (error->domain, error->code, _ ("Uploaded, but it cannot be shown yet: %s"),
                           error->message);
      entry_finished (self, fetch->entry, shown);
    }
  g_object_unref (fetch->queue);
  g_free (fetch);
}

static void
file_done_cb (KsUploadQueue *self,
              const char    *path,
              const char    *photo_id,
              gboolean       existed)
{
  Entry *entry = find_entry (self, path);
  Fetch *fetch;

  if (self->restoring != NULL)
    g_hash_table_add (self->restoring, g_strdup (path));
  if (entry == NULL)
    return;
  /* Its listing entry: URLs to show it with. Until then the engine's
   * listeners see the path as the queue's (ks_upload_queue_has_file). */
  entry->fetching = TRUE;
  fetch = g_new0 (Fetch, 1);
  fetch->queue = g_object_ref (self);
  fetch->entry = entry;
  ks_api_client_get_photo_async (ks_account_get_api (self->account), photo_id, self->cancellable,
                                 photo_fetched_cb, fetch);
}

static void
file_failed_cb (KsUploadQueue *self,
                const char    *path,
                GError        *error)
{
  Entry *entry = find_entry (self, path);

  if (self->restoring != NULL)
    g_hash_table_add (self->restoring, g_strdup (path));
  if (entry != NULL)
    entry_finished (self, entry, error);
}

/* The user gave up on a failed file: its placeholder goes. */
static void
file_dismissed_cb (KsUploadQueue *self,
                   const char    *path)
{
  for (guint i = 0; i < self->failed->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->failed, i);

      if (g_strcmp0 (entry->path, path) != 0)
        continue;
      g_signal_emit (self, signals[ITEM_DISMISSED], 0, entry->item);
      g_ptr_array_remove_index (self->failed, i);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
      return;
    }
}

static void
file_prepared_cb (KsUploadQueue *self,
                  const char    *path,
                  GFile         *grid,
                  const char    *grid_sha256)
{
  Entry *entry = find_entry (self, path);

  if (entry == NULL || grid == NULL)
    return;
  ks_thumbnail_cache_add_file (self->cache, grid_sha256, grid);
  ks_photo_item_set_uploading (entry->item, grid, grid_sha256);
}

static void
file_progress_cb (KsUploadQueue *self,
                  const char    *path,
                  guint64        done,
                  guint64        total)
{
  Entry *entry = find_entry (self, path);

  if (entry == NULL || total == 0)
    return;
  ks_photo_item_set_progress (entry->item, (double) done / total);
}

static void
engine_paused_cb (KsUploadQueue *self)
{
  gboolean paused = ks_sync_engine_get_paused (self->engine);

  if (paused == self->paused)
    return;
  self->paused = paused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

static void
engine_state_cb (KsUploadQueue *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

/* Each file failed has had "file-failed" already. */
static void
files_journaled_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (KsUploadQueue) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!ks_sync_engine_upload_files_finish (KS_SYNC_ENGINE (source), result, &error))
    g_debug ("Dropped files not all recorded: %s", error->message);
  self->n_journaling--;
  notify_recording (self, TRUE);
}

/* Hands @entries to the engine, those of one album together. Not
 * cancelled with the queue: what the user dropped is written to the
 * journal as long as the app runs. */
static void
submit (KsUploadQueue *self,
        Entry        **entries,
        guint          n_entries)
{
  for (guint i = 0; i < n_entries;)
    {
      g_autofree char *album_id = g_strdup (entries[i]->album_id);
      g_autolist (GFile) files = NULL;

      for (; i < n_entries && g_strcmp0 (entries[i]->album_id, album_id) == 0; i++)
        files = g_list_prepend (files, g_object_ref (ks_photo_item_get_original (entries[i]->item)));
      files = g_list_reverse (files);
      self->n_journaling++;
      ks_sync_engine_upload_files_async (self->engine, files, album_id, KS_SYNC_PRIORITY_USER, NULL,
                                         files_journaled_cb, g_object_ref (self));
    }
}

static void
disconnect_engine (KsUploadQueue *self)
{
  if (self->engine == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
}

void
ks_upload_queue_set_engine (KsUploadQueue *self,
                            KsSyncEngine  *engine)
{
  g_autofree Entry **unsent = NULL;
  gsize              n_unsent = 0;

  g_return_if_fail (KS_IS_UPLOAD_QUEUE (self));
  g_return_if_fail (engine == NULL || KS_IS_SYNC_ENGINE (engine));

  if (self->engine == engine)
    return;
  disconnect_engine (self);
  if (engine != NULL)
    {
      self->engine = g_object_ref (engine);
      g_signal_connect_swapped (engine, "file-prepared", G_CALLBACK (file_prepared_cb), self);
      g_signal_connect_swapped (engine, "file-progress", G_CALLBACK (file_progress_cb), self);
      g_signal_connect_swapped (engine, "file-done", G_CALLBACK (file_done_cb), self);
      g_signal_connect_swapped (engine, "file-failed", G_CALLBACK (file_failed_cb), self);
      g_signal_connect_swapped (engine, "file-dismissed", G_CALLBACK (file_dismissed_cb), self);
      g_signal_connect_swapped (engine, "notify::paused", G_CALLBACK (engine_paused_cb), self);
      g_signal_connect_swapped (engine, "notify::state", G_CALLBACK (engine_state_cb), self);
      /* What the user asked before the engine came wins over what it
       * remembers. */
      if (self->pause_asked != -1)
        ks_sync_engine_set_paused (engine, self->pause_asked);
      self->pause_asked = -1;
      engine_paused_cb (self);
      unsent = (Entry **) g_ptr_array_steal (self->unsent, &n_unsent);
      submit (self, unsent, (guint) n_unsent); /* still recording: no notify */
      restore_dropped (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
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
  if (self->engine != NULL)
    ks_sync_engine_set_paused (self->engine, paused);
  else
    self->pause_asked = paused;
  if (self->paused == paused)
    return;
  self->paused = paused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

/* Placeholders for @files (GFile), shown at once; the new entries. */
static GPtrArray *
add_placeholders (KsUploadQueue *self,
                  GPtrArray     *files,
                  const char    *album_id)
{
  GPtrArray *added = g_ptr_array_new ();
  g_autoptr (GPtrArray) items = g_ptr_array_new_full (files->len, NULL);
  gboolean was_busy = ks_upload_queue_get_busy (self);

  for (guint i = 0; i < files->len; i++)
    {
      GFile           *file = g_ptr_array_index (files, i);
      g_autofree char *path = g_file_get_path (file);
      Entry           *entry = g_new0 (Entry, 1);

      entry->item = ks_photo_item_new_pending (file);
      entry->album_id = g_strdup (album_id);
      /* As the engine names it, here or not (then it fails it). */
      entry->path = path != NULL ? g_canonicalize_filename (path, NULL) : g_file_get_uri (file);
      insert_entry (self, entry);
      self->n_total++;
      g_ptr_array_add (added, entry);
      g_ptr_array_add (items, entry->item);
    }
  /* One signal: a list takes thousands at once far faster than one by
   * one (a change each, for the grid to follow). */
  g_signal_emit (self, signals[ITEMS_ADDED], 0, items, album_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
  if (was_busy != ks_upload_queue_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  return added;
}

/* Placeholders for @files, then into the engine (or until it comes). */
static void
add_files (KsUploadQueue *self,
           GPtrArray     *files,
           const char    *album_id)
{
  g_autoptr (GPtrArray) added = add_placeholders (self, files, album_id);

  if (self->engine != NULL)
    submit (self, (Entry **) added->pdata, added->len);
  else
    g_ptr_array_extend_and_steal (self->unsent, g_steal_pointer (&added));
}

/* A listing of the drops of an earlier run, and the paths the engine
 * finished while it ran. */
typedef struct
{
  KsUploadQueue *queue; /* owned */
  GHashTable    *finished;
} Restore;

static void
restore_free (Restore *restore)
{
  if (restore->queue->restoring == restore->finished)
    restore->queue->restoring = NULL;
  g_object_unref (restore->queue);
  g_hash_table_unref (restore->finished);
  g_free (restore);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Restore, restore_free)

/* Files dropped in an earlier run (the app quit or crashed before they
 * were up) get their placeholders back; the engine already has them.
 * Those it finished while they were being listed are left out. */
static void
dropped_listed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (Restore) restore = user_data;
  KsUploadQueue *self = restore->queue;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) dropped = NULL;
  g_autoptr (GError) error = NULL;

  dropped = ks_sync_engine_list_dropped_finish (KS_SYNC_ENGINE (source), result, &error);
  if (dropped == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Listing the photos still to upload: %s", error->message);
      return;
    }
  if (self->engine != KS_SYNC_ENGINE (source) || self->restoring != restore->finished)
    return; /* another engine since, or another listing */

  /* One batch of placeholders for each run of the same album. */
  for (guint i = 0; i < dropped->len; i++)
    {
      KsSyncDropped *file = g_ptr_array_index (dropped, i);
      KsSyncDropped *next = i + 1 < dropped->len ? g_ptr_array_index (dropped, i + 1) : NULL;

      if (!g_hash_table_contains (restore->finished, file->path) && !ks_upload_queue_has_file (self, file->path))
        g_ptr_array_add (files, g_file_new_for_path (file->path));
      if (files->len > 0 && (next == NULL || g_strcmp0 (next->album_id, file->album_id) != 0))
        {
          g_ptr_array_unref (add_placeholders (self, files, file->album_id));
          g_ptr_array_set_size (files, 0);
        }
    }
}

static void
restore_dropped (KsUploadQueue *self)
{
  Restore *restore = g_new0 (Restore, 1);

  restore->queue = g_object_ref (self);
  restore->finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->restoring = restore->finished;
  ks_sync_engine_list_dropped_async (self->engine, self->cancellable, dropped_listed_cb, restore);
}

static int
compare_seq (gconstpointer a,
             gconstpointer b)
{
  const Entry *entry_a = *(Entry *const *) a;
  const Entry *entry_b = *(Entry *const *) b;

  return entry_a->seq < entry_b->seq ? -1 : entry_a->seq > entry_b->seq;
}

GPtrArray *
ks_upload_queue_list_items (KsUploadQueue *self,
                            const char    *album_id)
{
  g_autoptr (GPtrArray) entries = g_ptr_array_new ();
  GPtrArray     *items;
  GHashTableIter iter;
  gpointer       value;

  g_return_val_if_fail (KS_IS_UPLOAD_QUEUE (self), NULL);

  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    for (GList *l = ((GQueue *) value)->head; l != NULL; l = l->next)
      if (album_id == NULL || g_strcmp0 (((Entry *) l->data)->album_id, album_id) == 0)
        g_ptr_array_add (entries, l->data);
  g_ptr_array_sort (entries, compare_seq);

  items = g_ptr_array_new_full (entries->len, g_object_unref);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (items, g_object_ref (((Entry *) g_ptr_array_index (entries, i))->item));
  return items;
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

  self->n_expanding--;
  if (files != NULL && files->len > 0)
    add_files (self, files, album_id);
  else if (!ks_upload_queue_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  notify_recording (self, TRUE);
}

void
ks_upload_queue_add_files (KsUploadQueue *self,
                           GListModel    *files,
                           const char    *album_id)
{
  g_autoptr (GTask) task = NULL;
  GPtrArray *dropped;
  gboolean   was_recording;

  g_return_if_fail (KS_IS_UPLOAD_QUEUE (self));
  g_return_if_fail (G_IS_LIST_MODEL (files));

  dropped = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (files); i++)
    g_ptr_array_add (dropped, g_list_model_get_item (files, i));

  /* Busy from now: closing the window while a dropped folder is being
   * listed must not end the app before its photos are in the journal. */
  was_recording = ks_upload_queue_get_recording (self);
  if (self->n_expanding++ == 0 && self->n_entries == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  notify_recording (self, was_recording);
  task = g_task_new (self, self->cancellable, expanded_cb, g_strdup (album_id));
  g_task_set_source_tag (task, ks_upload_queue_add_files);
  g_task_set_task_data (task, dropped, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, expand_thread);
}

void
ks_upload_queue_retry_failed (KsUploadQueue *self)
{
  g_autoptr (GPtrArray) again = NULL;
  gboolean was_busy, was_recording;

  g_return_if_fail (KS_IS_UPLOAD_QUEUE (self));

  if (self->failed->len == 0)
    return;
  was_busy = ks_upload_queue_get_busy (self);
  was_recording = ks_upload_queue_get_recording (self);
  again = g_steal_pointer (&self->failed);
  self->failed = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  g_ptr_array_set_free_func (again, NULL);

  /* Dropped again: the engine tries its failed files anew, and one
   * uploaded but not added to its album costs no bytes. */
  for (guint i = 0; i < again->len; i++)
    {
      Entry *entry = g_ptr_array_index (again, i);

      ks_photo_item_set_preparing (entry->item);
      insert_entry (self, entry);
      self->n_total++;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
  if (was_busy != ks_upload_queue_get_busy (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  if (self->engine != NULL)
    submit (self, (Entry **) again->pdata, again->len);
  else
    for (guint i = 0; i < again->len; i++)
      g_ptr_array_add (self->unsent, g_ptr_array_index (again, i));
  notify_recording (self, was_recording);
}
