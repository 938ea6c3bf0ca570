/* Replays a fuzz target's seeds when the build has no libFuzzer (gcc builds): every file named on
 * the command line, or every file in a named folder, goes through LLVMFuzzerTestOneInput once. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        fprintf(stderr, "fuzz_replay: cannot open %s\n", path);
        return -1;
    }
    size_t capacity = 4096, used = 0, n;
    uint8_t *data = malloc(capacity);
    while (data != NULL && (n = fread(data + used, 1, capacity - used, file)) > 0) {
        used += n;
        if (used == capacity) {
            uint8_t *grown = realloc(data, capacity * 2);
            if (grown == NULL)
                break;
            data = grown;
            capacity *= 2;
        }
    }
    fclose(file);
    if (data == NULL)
        return -1;
    LLVMFuzzerTestOneInput(data, used);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int replayed = 0;
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "fuzz_replay: no such seed %s\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i]) != 0)
                return 1;
            replayed++;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        struct dirent *entry;
        while (dir != NULL && (entry = readdir(dir)) != NULL) {
            if (entry->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], entry->d_name);
            if (replay_file(path) != 0)
                return 1;
            replayed++;
        }
        if (dir)
            closedir(dir);
    }
    printf("fuzz_replay: %d seeds replayed\n", replayed);
    return 0;
}
