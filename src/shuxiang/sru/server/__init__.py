"""The SRU server at /sru: the library's catalog for other systems (SRU 1.2, 1.1 and 2.0,
CQL). `protocol` reads requests and builds Dublin Core (pure), `results` runs the query
through the search engine and builds the records, `explain` describes the server,
`views` is the endpoint; the query language itself is `shuxiang.sru.cql`."""
