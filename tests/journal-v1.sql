-- A sync journal as schema version 1 (PRAGMA user_version = 1) wrote it:
-- two folders, files in each state, an error. test-sync-journal opens it
-- to check that the upgrade keeps every row and counts them right.
BEGIN TRANSACTION;
CREATE TABLE folders (  id           INTEGER PRIMARY KEY,  path         TEXT    NOT NULL UNIQUE,  album_id     TEXT,  root_device  INTEGER NOT NULL DEFAULT 0,  root_inode   INTEGER NOT NULL DEFAULT 0,  paused       INTEGER NOT NULL DEFAULT 0,  pause_reason TEXT,  added_at     INTEGER NOT NULL,  last_scan_at INTEGER NOT NULL DEFAULT 0,  scan_gen     INTEGER NOT NULL DEFAULT 0) STRICT;
INSERT INTO folders VALUES(1,'/home/ada/Pictures','album-1',0,0,0,NULL,1700000000000000,0,0);
INSERT INTO folders VALUES(2,'/media/ada/CAMERA/DCIM',NULL,0,0,0,NULL,1700000100000000,0,0);
CREATE TABLE files (  id                INTEGER PRIMARY KEY,  folder_id         INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,  path              TEXT    NOT NULL,  size              INTEGER NOT NULL,  mtime             INTEGER NOT NULL,  inode             INTEGER NOT NULL,  device            INTEGER NOT NULL,  sha256            TEXT,  prev_sha256       TEXT,  photo_id          TEXT,  replaces_photo_id TEXT,  state             TEXT    NOT NULL CHECK (state IN ('new', 'settling', 'hashing',                      'queued', 'uploading', 'done', 'failed', 'skipped')),  attempts          INTEGER NOT NULL DEFAULT 0,  next_attempt_at   INTEGER NOT NULL DEFAULT 0,  last_error        TEXT,  priority          INTEGER NOT NULL DEFAULT 0,  changed_at        INTEGER NOT NULL,  seen_gen          INTEGER NOT NULL DEFAULT 0,  UNIQUE (folder_id, path)) STRICT;
INSERT INTO files VALUES(1,1,'IMG_0001.jpg',1000,1690000000000000,11,2049,'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',NULL,'photo-1',NULL,'done',0,0,NULL,0,1700000001000000,0);
INSERT INTO files VALUES(2,1,'IMG_0002.jpg',2000,1690000001000000,12,2049,'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',NULL,'photo-2',NULL,'done',0,0,NULL,0,1700000002000000,0);
INSERT INTO files VALUES(3,1,'IMG_0003.jpg',3000,1690000002000000,13,2049,'cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc',NULL,NULL,NULL,'queued',0,0,NULL,0,1700000003000000,0);
INSERT INTO files VALUES(4,1,'notes.txt',40,1690000003000000,14,2049,NULL,NULL,NULL,NULL,'skipped',0,0,NULL,0,1700000004000000,0);
INSERT INTO files VALUES(5,1,'broken.jpg',50,1690000004000000,15,2049,NULL,NULL,NULL,NULL,'failed',1,0,'Not a JPEG file: starts with 0x00 0x00',0,1700000005000000,0);
INSERT INTO files VALUES(6,2,'100CANON/IMG_0100.JPG',6000,1690000005000000,21,2065,NULL,NULL,NULL,NULL,'new',0,0,NULL,0,1700000006000000,0);
INSERT INTO files VALUES(7,2,'100CANON/IMG_0101.JPG',7000,1690000006000000,22,2065,NULL,NULL,NULL,NULL,'new',0,0,NULL,0,1700000007000000,0);
CREATE TABLE file_errors (  id      INTEGER PRIMARY KEY,  file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,  at      INTEGER NOT NULL,  domain  TEXT    NOT NULL,  code    INTEGER NOT NULL,  message TEXT    NOT NULL) STRICT;
INSERT INTO file_errors VALUES(1,5,1700000005000000,'gdk-pixbuf-error-quark',0,'Not a JPEG file: starts with 0x00 0x00');
CREATE TABLE uploads (  sha256     TEXT    NOT NULL PRIMARY KEY,  photo_id   TEXT    NOT NULL,  upload_id  TEXT    NOT NULL,  part_size  INTEGER NOT NULL,  file_size  INTEGER NOT NULL,  file_mtime INTEGER NOT NULL,  created_at INTEGER NOT NULL) STRICT;
CREATE TABLE upload_parts (  sha256      TEXT    NOT NULL REFERENCES uploads (sha256) ON DELETE CASCADE,  part_number INTEGER NOT NULL CHECK (part_number >= 1),  etag        TEXT    NOT NULL,  PRIMARY KEY (sha256, part_number)) STRICT, WITHOUT ROWID;
CREATE INDEX files_queue ON files (state, priority DESC, changed_at, id);
CREATE INDEX files_sha256 ON files (sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX file_errors_file ON file_errors (file_id);
COMMIT;
PRAGMA user_version = 1;
PRAGMA application_id = 1263749708;
