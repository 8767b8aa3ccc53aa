/* ks-journal.h: the sync journal, the only truth after a restart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ks-resume-store.h"

G_BEGIN_DECLS

/**
 * KsJournalFileState:
 * @KS_JOURNAL_FILE_NEW: seen (or changed), not yet settled or hashed
 * @KS_JOURNAL_FILE_SETTLING: still being written; wait before reading
 * @KS_JOURNAL_FILE_HASHING: being hashed and thumbnailed
 * @KS_JOURNAL_FILE_QUEUED: hashed, waiting for an upload slot
 * @KS_JOURNAL_FILE_UPLOADING: being uploaded
 * @KS_JOURNAL_FILE_DONE: on the server as @photo_id
 * @KS_JOURNAL_FILE_FAILED: gave up; only a retry brings it back
 * @KS_JOURNAL_FILE_SKIPPED: not something we upload (not an image)
 *
 * Stored by name, so the numbers may change; new states go before
 * KS_JOURNAL_N_FILE_STATES.
 */
typedef enum
{
  KS_JOURNAL_FILE_NEW,
  KS_JOURNAL_FILE_SETTLING,
  KS_JOURNAL_FILE_HASHING,
  KS_JOURNAL_FILE_QUEUED,
  KS_JOURNAL_FILE_UPLOADING,
  KS_JOURNAL_FILE_DONE,
  KS_JOURNAL_FILE_FAILED,
  KS_JOURNAL_FILE_SKIPPED,
  KS_JOURNAL_N_FILE_STATES,
} KsJournalFileState;

const char *ks_journal_file_state_to_string (KsJournalFileState state);

/* What stat(2) said about a file: all a rescan compares. */
typedef struct
{
  gint64  size;
  gint64  mtime; /* µs since the epoch */
  guint64 inode;
  guint64 device; /* 0: not known (a watcher event); then not compared */
} KsJournalStat;

typedef struct
{
  gint64   id;
  char    *path;        /* absolute */
  char    *album_id;    /* nullable: "no album" */
  guint64  root_device; /* identity of the root when last checked */
  guint64  root_inode;
  gboolean paused;
  char    *pause_reason; /* nullable */
  gint64   added_at;     /* µs */
  gint64   last_scan_at; /* µs; 0 before the first full scan */
} KsJournalFolder;

void ks_journal_folder_free (KsJournalFolder *self);

typedef struct
{
  gint64             id;
  gint64             folder_id;
  char              *path; /* relative to the folder, '/'-separated */
  KsJournalStat      stat;
  char              *sha256;            /* nullable until the current content is hashed */
  char              *photo_id;          /* nullable: the photo of the last uploaded content */
  char              *replaces_photo_id; /* nullable: the photo an edit replaces */
  char              *prev_sha256;       /* nullable: photo_id's content, once changed */
  KsJournalFileState state;
  int                attempts;
  gint64             next_attempt_at; /* µs; 0: now */
  char              *last_error;      /* nullable */
  int                priority;        /* higher first */
  gint64             changed_at;      /* µs: first seen, or content changed */
} KsJournalFile;

void ks_journal_file_free (KsJournalFile *self);

/* One entry of the per-file error list, newest first. */
typedef struct
{
  gint64 file_id;
  char  *folder_path;
  char  *path;
  gint64 at;     /* µs */
  char  *domain; /* the GError's domain, as a string */
  int    code;
  char  *message;
} KsJournalError;

void ks_journal_error_free (KsJournalError *self);

typedef enum
{
  KS_JOURNAL_UPSERT_NEW,       /* not known before */
  KS_JOURNAL_UPSERT_CHANGED,   /* size, mtime, inode or device differ */
  KS_JOURNAL_UPSERT_UNCHANGED, /* nothing to do: no re-hash */
} KsJournalUpsert;

#define KS_TYPE_JOURNAL (ks_journal_get_type ())
G_DECLARE_FINAL_TYPE (KsJournal, ks_journal, KS, JOURNAL, GObject)

/*
 * SQLite in WAL mode. Every call that changes something is one
 * transaction (a savepoint inside a batch): it happens entirely or not
 * at all. Errors are KS_SYNC_ERROR_JOURNAL_DAMAGED for a damaged file,
 * KS_SYNC_ERROR_JOURNAL for the rest (a full disk: the message says
 * which), KS_SYNC_ERROR_NOT_FOUND for an unknown id and
 * KS_SYNC_ERROR_EXISTS for a folder watched twice.
 *
 * Calls are serialized by a lock and may come from any thread, but are
 * blocking: keep batches off the main thread. A batch belongs to the
 * thread that began it; other threads wait until it ends.
 *
 * Implements KsResumeStore: multipart uploads in progress, keyed by the
 * original's SHA-256, which outlive the folders they came from.
 */

/* Creates the file when missing and brings its schema up to date. A
 * damaged file, one from a newer Keepsake or another program's database
 * is an error and is left untouched: never recreated, never emptied. */
KsJournal  *ks_journal_open (const char *path,
                             GError    **error);
const char *ks_journal_get_path (KsJournal *self);
/* For a journal that is KS_SYNC_ERROR_JOURNAL_DAMAGED: moves it aside,
 * as @out_aside (PATH.damaged-DATE), and opens a new one at @path that
 * watches the folders the damaged one still gives, into the same
 * albums (@out_n_folders of them, drops' records not counted). Their
 * files are looked at again; what the server has already costs a
 * lookup, not an upload. Dropped files still to upload, which no folder
 * would find again, are queued again as they were. */
KsJournal *ks_journal_start_over (const char *path,
                                  char      **out_aside,
                                  guint      *out_n_folders,
                                  GError    **error);
int        ks_journal_get_schema_version (void);

/* Grows no further than @max_bytes (0: no limit); beyond it writes fail
 * like on a full disk. */
void ks_journal_set_size_limit (KsJournal *self,
                                gint64     max_bytes);

/* Many changes as one transaction (a scan batch): much faster than one
 * commit each, and all or nothing. Not nestable. */
gboolean ks_journal_begin (KsJournal *self,
                           GError   **error);
gboolean ks_journal_commit (KsJournal *self,
                            GError   **error);
void     ks_journal_rollback (KsJournal *self);
/* In a long batch, called between its changes: once the batch has
 * held the journal a few milliseconds, commits it, lets the threads
 * waiting for the journal have it, and begins the next, so that a big
 * scan or drop never keeps the main thread waiting long.
 * @out_committed says whether a commit happened, even on error; on
 * error the batch is over, as after a failed commit. */
gboolean ks_journal_yield (KsJournal *self,
                           gboolean  *out_committed,
                           GError   **error);

/* ---- watched folders ---- */

/* Returns the new folder's id, or 0 with an error. @path should be
 * absolute and canonical; a path already watched is _EXISTS. */
gint64 ks_journal_add_folder (KsJournal  *self,
                              const char *path,
                              const char *album_id,
                              GError    **error);
/* Forgets the folder and its files and errors; never touches the cloud
 * nor resume records. */
gboolean ks_journal_remove_folder (KsJournal *self,
                                   gint64     folder_id,
                                   GError   **error);
/* (element-type KsJournalFolder), ordered by path. */
GPtrArray       *ks_journal_list_folders (KsJournal *self,
                                          GError   **error);
KsJournalFolder *ks_journal_get_folder (KsJournal *self,
                                        gint64     folder_id,
                                        GError   **error);
/* NULL without an error when @path is not watched. */
KsJournalFolder *ks_journal_find_folder (KsJournal  *self,
                                         const char *path,
                                         GError    **error);
gboolean         ks_journal_set_folder_album (KsJournal  *self,
                                              gint64      folder_id,
                                              const char *album_id,
                                              GError    **error);
/* @reason: what to tell the user; NULL when resuming. */
gboolean ks_journal_set_folder_paused (KsJournal  *self,
                                       gint64      folder_id,
                                       gboolean    paused,
                                       const char *reason,
                                       GError    **error);
gboolean ks_journal_set_folder_root (KsJournal *self,
                                     gint64     folder_id,
                                     guint64    device,
                                     guint64    inode,
                                     GError   **error);

/* ---- files ---- */

/* Records what a scan or the watcher found. A new file is NEW; a known
 * one with another size, mtime, inode or device is CHANGED: back to NEW
 * with no digest, attempts and errors cleared; its photo stays until
 * ks_journal_set_hashed() says whether the content really changed.
 * UNCHANGED files are only marked as seen by the current scan.
 * @out_change, @out_file_id: nullable. */
gboolean       ks_journal_upsert_file (KsJournal           *self,
                                       gint64               folder_id,
                                       const char          *path,
                                       const KsJournalStat *stat,
                                       KsJournalUpsert     *out_change,
                                       gint64              *out_file_id,
                                       GError             **error);
KsJournalFile *ks_journal_get_file (KsJournal *self,
                                    gint64     file_id,
                                    GError   **error);
/* NULL without an error when unknown. */
KsJournalFile *ks_journal_find_file (KsJournal  *self,
                                     gint64      folder_id,
                                     const char *path,
                                     GError    **error);
gboolean       ks_journal_remove_file (KsJournal *self,
                                       gint64     file_id,
                                       GError   **error);

/* A rename or move keeps the row, its digest and its photo: nothing is
 * uploaded again. A file already known at the new path is replaced. */
gboolean ks_journal_rename_file (KsJournal  *self,
                                 gint64      folder_id,
                                 const char *old_path,
                                 const char *new_path,
                                 GError    **error);
/* The same for everything under a directory. */
gboolean ks_journal_rename_dir (KsJournal  *self,
                                gint64      folder_id,
                                const char *old_path,
                                const char *new_path,
                                GError    **error);
gboolean ks_journal_remove_dir (KsJournal  *self,
                                gint64      folder_id,
                                const char *path,
                                GError    **error);

/* A full rescan: begin, upsert what is found, then finish, which
 * forgets files that were not seen. Only finish a scan that completed
 * with the root still in place (never after KS_SYNC_ERROR_FOLDER_GONE):
 * a missing disk must not read as "everything deleted". An unchanged
 * file costs a read, no write: what the scan saw is kept in memory by
 * this KsJournal, so begin and finish on the same one (finishing a scan
 * it did not begin is KS_SYNC_ERROR_FAILED and forgets nothing); files
 * the watcher records meanwhile are kept too. */
gboolean ks_journal_begin_scan (KsJournal *self,
                                gint64     folder_id,
                                GError   **error);
gboolean ks_journal_finish_scan (KsJournal *self,
                                 gint64     folder_id,
                                 guint     *out_n_removed,
                                 GError   **error);

gboolean ks_journal_set_state (KsJournal         *self,
                               gint64             file_id,
                               KsJournalFileState state,
                               GError           **error);
/* Hashing done: the digest of the content that had @stat (an edit while
 * hashing shows as another stat: KS_SYNC_ERROR_CHANGED, nothing
 * recorded), and the next state (QUEUED, or SKIPPED). A digest that
 * differs from the one uploaded before makes the old photo
 * @replaces_photo_id (an edit is a new version); the same digest as an
 * uploaded one (a touched or restored file) goes straight back to DONE. */
gboolean ks_journal_set_hashed (KsJournal           *self,
                                gint64               file_id,
                                const KsJournalStat *stat,
                                const char          *sha256,
                                KsJournalFileState   next_state,
                                GError             **error);
/* Uploaded (or found on the server by digest): DONE, errors cleared.
 * @sha256 is what was uploaded; if the file changed since it was hashed
 * this is KS_SYNC_ERROR_CHANGED and the file stays queued for its new
 * content, with @photo_id as the photo that content replaces. */
gboolean ks_journal_set_done (KsJournal  *self,
                              gint64      file_id,
                              const char *sha256,
                              const char *photo_id,
                              GError    **error);
/* Appends @failure to the file's error list and counts an attempt.
 * @retry_at (µs) > 0: back in the queue (QUEUED, or NEW if not yet
 * hashed) from then on; 0: FAILED until a retry. */
gboolean ks_journal_record_error (KsJournal    *self,
                                  gint64        file_id,
                                  const GError *failure,
                                  gint64        retry_at,
                                  GError      **error);
gboolean ks_journal_set_priority (KsJournal *self,
                                  gint64     file_id,
                                  int        priority,
                                  GError   **error);
/* FAILED files (one, or all with @file_id 0) back to the queue now,
 * attempts and errors cleared. */
gboolean ks_journal_retry (KsJournal *self,
                           gint64     file_id,
                           guint     *out_n_retried,
                           GError   **error);
/* A FAILED file the user gave up on: its row removed (@forget), or
 * SKIPPED until it changes; its errors go. Not failed (any more):
 * KS_SYNC_ERROR_NOT_FOUND. */
gboolean ks_journal_dismiss (KsJournal *self,
                             gint64     file_id,
                             gboolean   forget,
                             GError   **error);
/* A DONE file the user dropped again: back to NEW with no digest and
 * no photo, to go through the queue as if never seen (the server says
 * whether it still has the photo, in the trash or not at all). */
gboolean ks_journal_forget_photo (KsJournal *self,
                                  gint64     file_id,
                                  GError   **error);

/* Files in @state that are due at @now (µs) in folders not paused,
 * highest priority first, then oldest change. (element-type
 * KsJournalFile). */
GPtrArray *ks_journal_next_files (KsJournal         *self,
                                  KsJournalFileState state,
                                  gint64             now,
                                  guint              limit,
                                  GError           **error);
/* Files not yet finished (neither done, failed nor skipped) of at
 * least @min_priority, in any folder, oldest change first.
 * (element-type KsJournalFile) */
GPtrArray *ks_journal_list_unfinished (KsJournal *self,
                                       int        min_priority,
                                       GError   **error);
/* The files, in any folder and state, whose uploaded content is
 * @photo_id. (element-type KsJournalFile) */
GPtrArray *ks_journal_list_files_of_photo (KsJournal  *self,
                                           const char *photo_id,
                                           GError    **error);
/* Per state; @folder_id 0 for all folders. */
gboolean ks_journal_count_states (KsJournal *self,
                                  gint64     folder_id,
                                  guint64    counts[KS_JOURNAL_N_FILE_STATES],
                                  GError   **error);
/* (element-type KsJournalError), newest first, at most @limit. */
GPtrArray *ks_journal_list_errors (KsJournal *self,
                                   guint      limit,
                                   GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsJournalFolder, ks_journal_folder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsJournalFile, ks_journal_file_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsJournalError, ks_journal_error_free)

G_END_DECLS
