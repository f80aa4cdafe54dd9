package io.replsentinel.divergence;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The include and exclude settings for schemas and tables, as one predicate. */
final class TableFilter {

    private final Optional<Set<String>> includeSchemas;
    private final Set<String> excludeSchemas;
    private final Optional<Set<String>> includeTables;
    private final Set<String> excludeTables;

    TableFilter(Optional<List<String>> includeSchemas, Optional<List<String>> excludeSchemas,
                Optional<List<String>> includeTables, Optional<List<String>> excludeTables) {
        this.includeSchemas = includeSchemas.map(TableFilter::lower);
        this.excludeSchemas = excludeSchemas.map(TableFilter::lower).orElse(Set.of());
        this.includeTables = includeTables.map(TableFilter::lower);
        this.excludeTables = excludeTables.map(TableFilter::lower).orElse(Set.of());
        check("sentinel.divergence.include-tables", includeTables);
        check("sentinel.divergence.exclude-tables", excludeTables);
    }

    private static void check(String key, Optional<List<String>> tables) {
        for (String t : tables.orElse(List.of())) {
            try {
                TableRef.parse(t.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + e.getMessage());
            }
        }
    }

    static TableFilter of(DivergenceConfig config) {
        return new TableFilter(config.includeSchemas(), config.excludeSchemas(), config.includeTables(),
                config.excludeTables());
    }

    boolean accepts(TableRef table) {
        String schema = table.schema().toLowerCase();
        String qualified = table.toString().toLowerCase();
        return includeSchemas.map(s -> s.contains(schema)).orElse(true)
                && !excludeSchemas.contains(schema)
                && includeTables.map(t -> t.contains(qualified)).orElse(true)
                && !excludeTables.contains(qualified);
    }

    private static Set<String> lower(List<String> names) {
        return names.stream().map(String::trim).map(String::toLowerCase).collect(Collectors.toUnmodifiableSet());
    }
}
