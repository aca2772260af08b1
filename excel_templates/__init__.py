"""The Excel app (issue 7; its home since issue 20 item 1): the 附件1/2/3 templates generated
from the declarations (``templates``, ``layout``); the one hostile-file guard for every workbook
the platform opens — uploads and the old platform's exports — (``reading``, over the bounded
inflation of ``archives``); cells to values (``cells``) and the one case-row converter
(``converter``); the forms' validators over every row (``parsing``); upload → preview → 确认导入
with the report row locked, and the annotated copy (``services``); the pages (``views``,
``urls``); 导出总表 and the 年度报告 admin that offers it (``exports``, ``admin``); and the
formula-safe cell writer for every workbook the platform writes (``writing``). ``casesets``
owns the cases and the ``ImportBatch`` model; ``binding`` reads the legacy exports through
this app."""
