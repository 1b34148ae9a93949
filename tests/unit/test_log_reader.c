/* Unit tests: the streaming JSONL reader. */
#include "unit.h"

#include <fcntl.h>

#include "log_reader.h"
#include "telemetry.h"

/* Reads every line into one '|'-joined string. */
static char *read_all(const char *dir, long long *oversized)
{
    struct tm__reader r;
    const char *line;
    size_t len, n = 0;
    char *out = calloc(1, 1 << 20);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY), rc;

    assert_int_equal(tm__reader_open(&r, dfd, "log"), 0);
    while ((rc = tm__reader_next(&r, &line, &len)) == 1) {
        if (len > 100)
            len = 100;
        memcpy(out + n, line, len);
        n += len;
        out[n++] = '|';
    }
    assert_int_equal(rc, 0);
    *oversized = r.oversized;
    tm__reader_close(&r);
    close(dfd);
    return out;
}

static void rotated_first_and_last_line_without_newline(void **state)
{
    char *dir = unit_tmpdir(), *got;
    long long over;

    unit_write(dir, "log.1", "a\nb", 3);
    unit_write(dir, "log", "c\n\nd", 4);
    got = read_all(dir, &over);
    assert_string_equal(got, "a|b|c||d|");
    assert_int_equal(over, 0);
    free(got);
    unit_rmdir(dir);
}

static void missing_files_read_empty(void **state)
{
    char *dir = unit_tmpdir(), *got;
    long long over;

    got = read_all(dir, &over);
    assert_string_equal(got, "");
    free(got);
    unit_rmdir(dir);
}

static void oversized_lines_skipped(void **state)
{
    char *dir = unit_tmpdir(), *got, *big;
    size_t n = TM_READER_BUF * 2 + 10;
    long long over;

    big = malloc(n + 10);
    memcpy(big, "x\n", 2);
    memset(big + 2, 'y', n);
    memcpy(big + 2 + n, "\nz\n", 3);
    unit_write(dir, "log", big, n + 5);
    got = read_all(dir, &over);
    assert_string_equal(got, "x|z|");
    assert_int_equal(over, 1);
    free(got);
    free(big);
    unit_rmdir(dir);
}

/* One descriptor, with the offset past each line: what `telemetry ship`
 * saves as its position. */
static void descriptor_offsets(void **state)
{
    char *dir = unit_tmpdir(), path[512], *big = malloc(TM_READER_BUF + 10);
    struct tm__reader r;
    const char *line;
    size_t len;
    int fd;

    memset(big, 'x', TM_READER_BUF + 9);
    big[TM_READER_BUF + 9] = '\n';
    snprintf(path, sizeof(path), "%s/log", dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    assert_true(write(fd, "ab\n\n", 4) == 4);
    assert_true(write(fd, big, TM_READER_BUF + 10) == TM_READER_BUF + 10);
    assert_true(write(fd, "cd\nhalf", 7) == 7);
    lseek(fd, 0, SEEK_SET);

    /* still written to: the line without '\n' is left for later */
    assert_int_equal(tm__reader_open_fd(&r, fd, 0), 0);
    assert_int_equal(tm__reader_next(&r, &line, &len), 1);
    assert_true(len == 2 && memcmp(line, "ab", 2) == 0);
    assert_int_equal(tm__reader_offset(&r), 3);
    assert_int_equal(tm__reader_next(&r, &line, &len), 1);
    assert_int_equal(len, 0);
    assert_int_equal(tm__reader_offset(&r), 4);
    /* the over-long line is passed over, the offsets stay right */
    assert_int_equal(tm__reader_next(&r, &line, &len), 1);
    assert_true(len == 2 && memcmp(line, "cd", 2) == 0);
    assert_int_equal(tm__reader_offset(&r), 4 + TM_READER_BUF + 10 + 3);
    assert_int_equal(r.oversized, 1);
    assert_int_equal(tm__reader_next(&r, &line, &len), 0);
    assert_int_equal(tm__reader_offset(&r), 4 + TM_READER_BUF + 10 + 3);
    tm__reader_close(&r);
    assert_true(fcntl(fd, F_GETFD) >= 0); /* borrowed: still open */

    /* nothing appends any more (a rotated file): the cut line counts */
    lseek(fd, 0, SEEK_SET);
    assert_int_equal(tm__reader_open_fd(&r, fd, 1), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tm__reader_next(&r, &line, &len), 1);
    assert_int_equal(tm__reader_next(&r, &line, &len), 1);
    assert_true(len == 4 && memcmp(line, "half", 4) == 0);
    assert_int_equal(tm__reader_offset(&r), 4 + TM_READER_BUF + 10 + 7);
    assert_int_equal(tm__reader_next(&r, &line, &len), 0);
    tm__reader_close(&r);
    close(fd);
    free(big);
    unit_rmdir(dir);
}

/* Issue 11: a FIFO in a log's place is refused at once (it blocked the
 * open), its name reported; a missing file still reads as empty. */
static void fifo_refused(void **state)
{
    char *dir = unit_tmpdir(), path[1024];
    struct tm__reader r;
    const char *line;
    size_t len;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY), fd;

    snprintf(path, sizeof(path), "%s/log", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    unit_write(dir, "log.1", "a\n", 2);
    /* the rotated part reads; the live one, a FIFO, is refused */
    assert_int_equal(tm__reader_open(&r, dfd, "log"), 0);
    assert_int_equal(tm__reader_next(&r, &line, &len), 1);
    assert_int_equal(tm__reader_next(&r, &line, &len), TM_ENOTREG);
    assert_string_equal(tm__reader_path(&r), "log");
    tm__reader_close(&r);
    assert_int_equal(tm__reader_open_log(dfd, "log", &fd), TM_ENOTREG);
    assert_int_equal(fd, -1);
    assert_int_equal(tm__reader_open_log(dfd, "none", &fd), 0);
    assert_int_equal(fd, -1);
    close(dfd);
    unit_rmdir(dir);
}

/* Where each line starts: the gap left by a skipped over-long line. */
static void line_offsets(void **state)
{
    char *dir = unit_tmpdir(), *data;
    size_t big = TM_READER_BUF + 5, n = 2 + big + 1 + 2;
    struct tm__reader r;
    const char *line;
    size_t len;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY), fd;

    data = malloc(n);
    memcpy(data, "a\n", 2);
    memset(data + 2, 'x', big);
    data[2 + big] = '\n';
    memcpy(data + 3 + big, "b\n", 2);
    unit_write(dir, "log", data, n);
    fd = openat(dfd, "log", O_RDONLY);
    assert_int_equal(tm__reader_open_fd(&r, fd, 1), 0);
    assert_int_equal(tm__reader_next(&r, &line, &len), 1);
    assert_int_equal(tm__reader_line_offset(&r, line), 0);
    assert_int_equal(tm__reader_offset(&r), 2);
    assert_int_equal(tm__reader_next(&r, &line, &len), 1);
    assert_int_equal(len, 1);
    assert_int_equal(tm__reader_line_offset(&r, line), 3 + big);
    assert_int_equal(r.oversized, 1);
    tm__reader_close(&r);
    close(fd);
    close(dfd);
    free(data);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rotated_first_and_last_line_without_newline),
        cmocka_unit_test(missing_files_read_empty),
        cmocka_unit_test(oversized_lines_skipped),
        cmocka_unit_test(descriptor_offsets),
        cmocka_unit_test(fifo_refused),
        cmocka_unit_test(line_offsets),
    };
    return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
