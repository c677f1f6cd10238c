"""The website's views, one module per part: public pages, cookies, account, portal."""
