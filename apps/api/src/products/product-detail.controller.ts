import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorDto } from '../http/api-error';
import { ProductDetailDto, ProductDetailQueryDto } from './product-detail.dto';
import { ProductDetailService } from './product-detail.service';

/**
 * `GET /v1/products/:id`. One path segment only: `/:id/similar`, `/:id/images/:n`, `/:id/attributes` and
 * `/:id/ask` are other routes (the router matches `:id` against a single segment).
 */
@ApiTags('products')
@ApiResponse({
  status: 400,
  description: 'invalid parameter (control characters, an id over 256 characters)',
  type: ApiErrorDto,
})
@ApiResponse({
  status: 404,
  description: 'no such product (also for an id that is not a UUID)',
  type: ApiErrorDto,
})
@ApiResponse({ status: 429, description: 'rate limited', type: ApiErrorDto })
@Controller('v1/products')
export class ProductDetailController {
  constructor(private readonly details: ProductDetailService) {}

  @Get(':id')
  @ApiOperation({
    summary: 'A product page: catalog fields, usable pictures, attributes, approved description, links',
    description:
      'Pictures that failed to fetch are left out. `attributes.extracted` lists only what was read from the ' +
      'picture with enough confidence to state as a fact; `approvedDescription` is the latest generated text an ' +
      'admin approved, or null. With `?locale=` the title and description are the translation for that language ' +
      'when the product has one (`locale` says which, null when it shows the catalog’s own text); `translations` ' +
      'always lists every locale stored.',
  })
  @ApiOkResponse({ type: ProductDetailDto })
  detail(@Param('id') id: string, @Query() q: ProductDetailQueryDto): Promise<ProductDetailDto> {
    return this.details.detail(id, q.locale);
  }
}
