/* ks-journal-private.h: what ks-journal*.c share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <sqlite3.h>

#include "ks-journal.h"
#include "ks-sqlite-checkpointer.h"
#include "ks-sqlite.h"
#include "ks-sync-error.h"

G_BEGIN_DECLS

struct _KsJournal
{
  GObject parent_instance;

  KsSqlite    sql; /* .db owned, nullable */
  char       *path;
  GHashTable *statements; /* const char *sql -> sqlite3_stmt *, owned */
  GRecMutex   lock;
  gint        n_waiting;   /* atomic: threads waiting for the lock */
  gboolean    in_batch;    /* the lock is held by the batch's thread */
  gint64      batch_began; /* monotonic µs, while in_batch */
  GHashTable *scans;       /* folder id -> KsJournalSeen, while it is scanned */

  KsSqliteCheckpointer *checkpointer; /* owned, nullable */
};

/* The files a scan in progress found unchanged, as a bitmap of row ids:
 * they cost no write, and finishing the scan forgets the rows neither
 * in it nor written during the scan (seen_gen). Memory only: a scan cut
 * short by a crash deletes nothing. */
typedef struct
{
  gint64  folder_id;
  guint8 *bits; /* owned */
  gsize   n_bytes;
} KsJournalSeen;

/* Takes the lock, counted while waiting for it (see
 * ks_journal_yield()). */
static inline void
ks_journal_lock (KsJournal *self)
{
  g_atomic_int_inc (&self->n_waiting);
  g_rec_mutex_lock (&self->lock);
  g_atomic_int_dec_and_test (&self->n_waiting);
}

void ks_journal_seen_free (KsJournalSeen *seen);
/* Registers the SQL function finishing a scan uses. */
gboolean ks_journal_register_functions (KsJournal *self,
                                        GError   **error);

/* A cached statement: released (reset, bindings cleared) after each use,
 * finalized with the journal. */
typedef sqlite3_stmt KsJournalStmt;

void ks_journal_stmt_release (KsJournalStmt *stmt);

void ks_journal_set_error (KsJournal *self,
                           int        rc,
                           GError   **error);
/* Call with the lock held. @sql must be a string constant: it is the
 * cache key. */
KsJournalStmt *ks_journal_prepare (KsJournal  *self,
                                   const char *sql,
                                   GError    **error);
/* Steps a statement that returns no row (or whose rows are ignored). */
gboolean ks_journal_run (KsJournal     *self,
                         KsJournalStmt *stmt,
                         GError       **error);

/* One change: takes the lock and opens a transaction (a savepoint in a
 * batch); end commits on @ok, rolls back otherwise, and unlocks. */
gboolean ks_journal_change_begin (KsJournal *self,
                                  GError   **error);
gboolean ks_journal_change_end (KsJournal *self,
                                gboolean   ok,
                                GError   **error);

void ks_journal_set_not_found (GError    **error,
                               const char *what,
                               gint64      id);

/* Most statements in ks-journal-files.c and -changes.c take the same shape of parameters: ?1 an id,
 * ?2 and ?3 text, ?4 to ?6 numbers. Binding one a statement does not
 * use is a harmless SQLITE_RANGE. */
typedef struct
{
  gint64      id;
  const char *text2;
  const char *text3;
  gint64      num4;
  gint64      num5;
  gint64      num6;
} KsJournalParams;

gboolean ks_journal_run_params (KsJournal             *self,
                                const char            *sql,
                                const KsJournalParams *p,
                                GError               **error);
/* In a change: runs the NUL-separated statements of @sql (ending in an
 * empty one) in order; @out_changes gets the rows the last one touched. */
gboolean ks_journal_change_file (KsJournal             *self,
                                 const char            *sql,
                                 const KsJournalParams *p,
                                 guint                 *out_changes,
                                 GError               **error);
/* A whole change of file @p->id: _NOT_FOUND when the last statement
 * touched nothing. */
gboolean ks_journal_update_file (KsJournal             *self,
                                 const char            *sql,
                                 const KsJournalParams *p,
                                 GError               **error);

void ks_journal_resume_store_init (KsResumeStoreInterface *iface);

G_END_DECLS
