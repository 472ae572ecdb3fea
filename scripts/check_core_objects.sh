#!/usr/bin/env bash
# Fails if the core library references the allocator or holds mutable
# static data (.data/.bss), i.e. if it breaks the zero-heap, no-globals rule.
# Usage: check_core_objects.sh path/to/libbanklink.a
set -euo pipefail
lib=$1
fail=0
alloc=$(nm -A "$lib" | grep -E ' U (malloc|calloc|realloc|free|aligned_alloc|posix_memalign|strdup)$' || true)
if [ -n "$alloc" ]; then
  echo "core references the allocator:"; echo "$alloc"; fail=1
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && ar x "$(realpath "$OLDPWD/$lib" 2>/dev/null || realpath "$lib")")
for o in "$tmp"/*.o; do
  while read -r name size _; do
    case "$name" in
      .data|.bss|.data.*|.bss.*|COMMON)
        case "$name" in .data.rel.ro*) continue ;; esac
        if [ "$size" -ne 0 ]; then echo "$(basename "$o"): $name is $size bytes"; fail=1; fi ;;
    esac
  done < <(size -A "$o" | tail -n +3)
done
nobj=$(ls "$tmp"/*.o | wc -l)
if [ "$fail" -eq 0 ]; then
  echo "core: $nobj objects, no allocator references, no .data/.bss"
fi
exit "$fail"
