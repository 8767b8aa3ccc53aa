/* ks-watcher-private.h: what the parts of KsWatcher share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ks-watcher.c        the object, pausing and resuming
 * ks-watcher-events.c monitor events as file-level news
 * ks-watcher-tree.c   monitors per directory, listings, polling fallback
 * ks-watcher-settle.c changes waiting to settle, removals waiting for the
 *                     root check
 */
#pragma once

#include <gio/gunixmounts.h>
#include <glib/gstdio.h>

#include "ks-scanner.h"
#include "ks-watcher.h"

G_BEGIN_DECLS

enum
{
  KS_WATCHER_SIGNAL_FILE_SETTLED,
  KS_WATCHER_SIGNAL_FILE_RENAMED,
  KS_WATCHER_SIGNAL_FILE_REMOVED,
  KS_WATCHER_SIGNAL_DIR_RENAMED,
  KS_WATCHER_SIGNAL_DIR_REMOVED,
  KS_WATCHER_SIGNAL_PAUSED,
  KS_WATCHER_SIGNAL_RESUMED,
  KS_WATCHER_SIGNAL_DEGRADED,
  KS_WATCHER_N_SIGNALS
};

/* What an event says about a file's writer. */
typedef enum
{
  KS_CHANGE_WRITE,     /* still writing, as far as we know */
  KS_CHANGE_DONE,      /* closed after writing, or moved in whole */
  KS_CHANGE_ATTRIBUTE, /* metadata only: what we knew still holds */
} KsChange;

extern guint ks_watcher_signals[KS_WATCHER_N_SIGNALS];

/* One directory under the root ("" is the root itself). */
typedef struct
{
  KsWatcher    *self; /* not owned */
  char         *rel;
  guint         serial;   /* tells a listing of an older watch apart */
  GFileMonitor *monitor;  /* owned, nullable: NULL when polled */
  GHashTable   *baseline; /* polled only: name -> KsPollEntry; NULL
                           * until the first listing */
} KsWatch;

typedef struct
{
  char    *name;
  gboolean is_dir;
  gint64   size;
  gint64   mtime; /* µs */
  guint64  inode;
} KsPollEntry;

struct _KsWatcher
{
  GObject parent_instance;

  GFile         *root; /* owned */
  char          *root_path;
  guint          settle_ms;
  guint          poll_ms;
  gboolean       force_polling;
  KsWatcherState state;
  gboolean       degraded;
  gboolean       resuming;  /* emit "resumed" once set up */
  KsRootIdentity identity;  /* valid unless STOPPED or PAUSED */
  gboolean       had_mount; /* the root was a mount point when last seen */

  GCancellable *cancellable; /* listings of the current setup; owned */
  GHashTable   *watches;     /* rel -> KsWatch */
  guint         next_serial;
  guint         n_polled;
  guint         listings; /* in flight, and directories waiting in pending */
  GQueue        pending;  /* PendingDir: found, not watched yet */
  guint         pending_id;
  guint         poll_id;
  gboolean      polling;     /* a poll round is in flight */
  GPtrArray    *unpaired;    /* removals the last poll round could not pair yet */
  guint         degraded_id; /* "degraded" waits for an idle */

  GHashTable *records;        /* rel -> settle record */
  GHashTable *removals;       /* rel -> GINT_TO_POINTER (is_dir) */
  gint64      removals_since; /* monotonic µs of the oldest */
  guint       tick_id;

  /* While paused: what brings the root back. */
  guint              retry_id;
  guint              resume_idle_id;
  GFileMonitor      *ancestor_monitor; /* nullable */
  GUnixMountMonitor *mounts;           /* while not STOPPED */
};

static inline gboolean
ks_watcher_is_active (KsWatcher *self)
{
  return self->state == KS_WATCHER_STARTING || self->state == KS_WATCHER_WATCHING;
}

/* ks-watcher.c */
void     ks_watcher_set_state (KsWatcher     *self,
                               KsWatcherState state);
void     ks_watcher_setup_done (KsWatcher *self);
void     ks_watcher_enter_paused (KsWatcher  *self,
                                  const char *reason);
void     ks_watcher_dispose_monitor (GFileMonitor *monitor);
char    *ks_watcher_child_rel (const char *dir_rel,
                               const char *name);
gboolean ks_watcher_rel_is_ignored (const char *rel);

/* ks-watcher-events.c */
void ks_watcher_monitor_changed_cb (GFileMonitor     *monitor,
                                    GFile            *child,
                                    GFile            *other,
                                    GFileMonitorEvent event,
                                    gpointer          user_data);
void ks_watcher_on_created (KsWatcher  *self,
                            const char *rel,
                            gboolean    complete);
void ks_watcher_on_removed (KsWatcher  *self,
                            const char *rel);
void ks_watcher_on_moved (KsWatcher  *self,
                          const char *old_rel,
                          const char *new_rel);

/* ks-watcher-tree.c */
void     ks_watcher_tree_init (KsWatcher *self);
void     ks_watcher_tree_clear (KsWatcher *self);
void     ks_watcher_add_dir (KsWatcher  *self,
                             const char *rel,
                             gboolean    report);
void     ks_watcher_remove_subtree (KsWatcher  *self,
                                    const char *rel);
gboolean ks_watcher_has_dir (KsWatcher  *self,
                             const char *rel);
void     ks_watcher_update_poll_timer (KsWatcher *self);

/* ks-watcher-settle.c */
void     ks_watcher_settle_init (KsWatcher *self);
void     ks_watcher_settle_clear (KsWatcher *self);
void     ks_watcher_note_change (KsWatcher  *self,
                                 const char *rel,
                                 KsChange    change,
                                 gboolean    is_new);
gboolean ks_watcher_forget (KsWatcher  *self,
                            const char *rel);
gboolean ks_watcher_rename_records (KsWatcher  *self,
                                    const char *old_rel,
                                    const char *new_rel);
void     ks_watcher_queue_removal (KsWatcher  *self,
                                   const char *rel,
                                   gboolean    is_dir);
gboolean ks_watcher_path_stat (KsWatcher  *self,
                               const char *rel,
                               GStatBuf   *st);

G_END_DECLS
