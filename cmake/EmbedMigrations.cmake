# Writes a C++ source holding every migrations/V*.sql file, ordered by name,
# and every repeatable file (functions/*.sql, then triggers/*.sql: a trigger
# needs its function), named by its path under migrations/.
# Invoked as: cmake -DOUTPUT=... -DMIGRATIONS_DIR=... -P EmbedMigrations.cmake

# Appends to `body` a function `cxx_name` returning the files matched by `globs`.
function(append_file_table cxx_name)
  set(names "")
  foreach(glob IN LISTS ARGN)
    file(GLOB matched RELATIVE ${MIGRATIONS_DIR} ${MIGRATIONS_DIR}/${glob})
    list(SORT matched)
    list(APPEND names ${matched})
  endforeach()
  string(APPEND body "const std::vector<MigrationFile>& ${cxx_name}() {\n")
  string(APPEND body "  static const std::vector<MigrationFile> files = {\n")
  foreach(name IN LISTS names)
    file(READ ${MIGRATIONS_DIR}/${name} sql)
    string(FIND "${sql}" ")hookgate_sql\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${name} contains the raw-string delimiter")
    endif()
    string(APPEND body "    {\"${name}\", R\"hookgate_sql(${sql})hookgate_sql\"},\n")
  endforeach()
  string(APPEND body "  };\n  return files;\n}\n\n")
  set(body "${body}" PARENT_SCOPE)
endfunction()

set(body "// Generated from migrations/ by cmake/EmbedMigrations.cmake. Do not edit.\n")
string(APPEND body "#include \"db/migration_source.h\"\n\nnamespace hookgate::db {\n\n")
append_file_table(embedded_migrations V*.sql)
append_file_table(embedded_repeatable_migrations functions/*.sql triggers/*.sql)
string(APPEND body "}  // namespace hookgate::db\n")
file(WRITE ${OUTPUT}.tmp "${body}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
