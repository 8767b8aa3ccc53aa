/* ks-watcher.h: one watched folder, recursively, as settled changes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  KS_WATCHER_STOPPED,
  KS_WATCHER_STARTING, /* setting up monitors; events already count */
  KS_WATCHER_WATCHING,
  KS_WATCHER_PAUSED, /* root missing, replaced or unmounted */
} KsWatcherState;

#define KS_TYPE_WATCHER_STATE (ks_watcher_state_get_type ())
GType ks_watcher_state_get_type (void);

#define KS_WATCHER_DEFAULT_SETTLE_MS 1000
#define KS_WATCHER_DEFAULT_POLL_MS 10000

#define KS_TYPE_WATCHER (ks_watcher_get_type ())
G_DECLARE_FINAL_TYPE (KsWatcher, ks_watcher, KS, WATCHER, GObject)

/*
 * Watches @root and every subdirectory with one GFileMonitor each, and
 * turns their events into what the sync engine acts on. Paths are
 * relative to the root, '/'-separated. Hidden and partial-download names
 * (ks_image_info_name_is_ignored()) are never reported, nor is anything
 * under a hidden directory. Signals are emitted on the thread-default
 * main context of ks_watcher_start().
 *
 * - "file-settled" (path, gint64 size, gint64 mtime µs, guint64 inode):
 *   a regular file was created or changed and has stopped changing: a
 *   close after writing, then size and mtime unchanged for a fifth of
 *   the settle interval; or without a close, unchanged for the whole
 *   interval. Once per settling: a file written slowly is reported after
 *   its last write, and a settle that finds the size, mtime and inode
 *   last reported is not reported again.
 * - "file-renamed" (old path, new path): renamed or moved between
 *   directories under the root; never reported as removed + created.
 *   A file renamed before it ever settled is reported by "file-settled"
 *   under its new name only.
 * - "file-removed" (path): deleted or moved out of the root. Removals
 *   wait a settle interval and are dropped when the root then turns out
 *   gone (the folder pauses instead), or when something took the path.
 * - "dir-renamed" (old path, new path), "dir-removed" (path): the same
 *   for a directory: everything under the old path moved or went.
 *   Files inside a deleted directory may get "file-removed" as well,
 *   when their deletion was seen before the directory's.
 * - "paused" (reason): the root disappeared, was replaced, or its disk
 *   was unmounted or swapped. Pending changes are dropped and nothing is
 *   reported as removed; the watcher waits for the root to come back.
 * - "resumed": the root is back and watched again. What changed in the
 *   meantime is for a rescan to find.
 * - "degraded" (reason): inotify watches ran out (or "force-polling" is
 *   set); the directories without a monitor are polled every
 *   poll-interval, renames there found by inode. Emitted once per start.
 *
 * Nothing wakes up while nothing happens: timers run only while a
 * change is settling, in polling fallback, and while paused (the root is
 * re-checked every poll-interval, besides mount changes and a monitor
 * on its nearest existing parent).
 *
 * Directories present at start are watched without their files being
 * reported: start the watcher, then scan, so nothing falls in between.
 * Directories that appear later are read and their files reported.
 */
KsWatcher *ks_watcher_new (GFile *root);

GFile         *ks_watcher_get_root (KsWatcher *self);
KsWatcherState ks_watcher_get_state (KsWatcher *self);
gboolean       ks_watcher_get_degraded (KsWatcher *self);

/* Milliseconds; take effect for changes seen from then on. */
void  ks_watcher_set_settle_interval (KsWatcher *self,
                                      guint      msec);
guint ks_watcher_get_settle_interval (KsWatcher *self);
void  ks_watcher_set_poll_interval (KsWatcher *self,
                                    guint      msec);
guint ks_watcher_get_poll_interval (KsWatcher *self);

/* STOPPED -> STARTING -> WATCHING (or PAUSED when the root is missing). */
void ks_watcher_start (KsWatcher *self);
/* Drops monitors, timers and pending changes; no signal is emitted
 * after this returns. */
void ks_watcher_stop (KsWatcher *self);

/* Looks at the root now (the engine calls it before a rescan): pauses
 * when it is gone or changed. Returns TRUE when watching (or starting). */
gboolean ks_watcher_check_root (KsWatcher *self);

/* Directories with a monitor, and polled ones. */
guint ks_watcher_get_n_monitored (KsWatcher *self);
guint ks_watcher_get_n_polled (KsWatcher *self);

G_END_DECLS
