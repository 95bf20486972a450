"""site_gen: a static site generator for AI-model catalogues.

Every model and provider page is rendered twice, as HTML for readers and as
a markdown mirror for LLM crawlers, from one page context.
"""

__version__ = "0.1.0"
